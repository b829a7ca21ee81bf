package kvs

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
)

// Put makes key hold value in the store, with the same ETag discipline and read-back as
// Sync, leaving every other key alone. changed reports whether it wrote; an up-to-date key
// costs no mutating call.
func (w *Writer) Put(ctx context.Context, kvsARN, key, value string) (changed bool, err error) {
	if err := validate(map[string]string{key: value}); err != nil {
		return false, err
	}
	return w.one(ctx, kvsARN, key, value)
}

// Delete removes key from the store if present, then confirms it is gone.
func (w *Writer) Delete(ctx context.Context, kvsARN, key string) (changed bool, err error) {
	return w.one(ctx, kvsARN, key, "")
}

// one converges a single key to value ("" = absent).
func (w *Writer) one(ctx context.Context, arn, key, value string) (bool, error) {
	for attempt := 1; ; attempt++ {
		// The ETag is read before the key, so a change to the key after this read makes
		// the conditional write below conflict instead of being overwritten blindly.
		etag, err := w.etag(ctx, arn)
		if err != nil {
			return false, err
		}
		cur, err := w.get(ctx, arn, key)
		if err != nil || cur == value {
			return false, err
		}
		op := "PutKey"
		if value == "" {
			op = "DeleteKey"
			_, err = w.client.DeleteKey(ctx, &cloudfrontkeyvaluestore.DeleteKeyInput{KvsARN: aws.String(arn), Key: aws.String(key), IfMatch: aws.String(etag)})
		} else {
			_, err = w.client.PutKey(ctx, &cloudfrontkeyvaluestore.PutKeyInput{KvsARN: aws.String(arn), Key: aws.String(key), Value: aws.String(value), IfMatch: aws.String(etag)})
		}
		switch {
		case isConflict(err) && attempt < w.Attempts:
			continue
		case isConflict(err):
			return false, conflictsExhausted(arn, attempt)
		case err != nil:
			return false, classify(err, op, arn)
		}
		return true, w.verifyKeys(ctx, arn, map[string]string{key: value})
	}
}
