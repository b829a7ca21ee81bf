package state

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Attributes of items whose body is a JSON document: either inline (doc) or in the
// artifacts bucket (ref = object key, refVersion = its version when the bucket is
// versioned).
const (
	attrDoc        = "doc"
	attrRef        = "ref"
	attrRefVersion = "refVersion"
)

// putObject writes a JSON document to the artifacts bucket and returns its version id
// ("" on an unversioned bucket).
func (s *Store) putObject(ctx context.Context, key string, body []byte) (string, error) {
	out, err := s.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      &s.bucket,
		Key:         &key,
		Body:        bytes.NewReader(body),
		ContentType: ptr("application/json"),
	})
	if err != nil {
		return "", fmt.Errorf("state: put s3://%s/%s: %w", s.bucket, key, err)
	}
	if out.VersionId != nil && *out.VersionId != "null" {
		return *out.VersionId, nil
	}
	return "", nil
}

// getObject reads a document; found is false when the object does not exist.
func (s *Store) getObject(ctx context.Context, key, version string) (body []byte, found bool, err error) {
	in := &s3.GetObjectInput{Bucket: &s.bucket, Key: &key}
	if version != "" {
		in.VersionId = &version
	}
	out, err := s.s3.GetObject(ctx, in)
	if err != nil {
		var nsk *s3types.NoSuchKey
		if errors.As(err, &nsk) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("state: get s3://%s/%s: %w", s.bucket, key, err)
	}
	defer out.Body.Close()
	body, err = io.ReadAll(out.Body)
	if err != nil {
		return nil, false, fmt.Errorf("state: read s3://%s/%s: %w", s.bucket, key, err)
	}
	return body, true, nil
}

func (s *Store) deleteObject(ctx context.Context, key string) error {
	if _, err := s.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &key}); err != nil {
		return fmt.Errorf("state: delete s3://%s/%s: %w", s.bucket, key, err)
	}
	return nil
}

// docAttrs returns the attributes that carry body in an item: the JSON inline when it is
// small enough, otherwise a pointer to an S3 object written first (so an item never
// points at a document that was not written). The object key is prefix + the content
// hash: concurrent writers of different documents never collide, and a retried write of
// the same document lands on the same object.
func (s *Store) docAttrs(ctx context.Context, prefix string, body []byte) (map[string]types.AttributeValue, error) {
	if len(body) <= s.inlineLimit {
		return map[string]types.AttributeValue{attrDoc: str(string(body))}, nil
	}
	sum := sha256.Sum256(body)
	return s.refAttrs(ctx, prefix+hex.EncodeToString(sum[:])+".json", body)
}

// refAttrs writes body to the S3 object key and returns the attributes of an item that
// points at it: ref, and refVersion when the bucket is versioned.
func (s *Store) refAttrs(ctx context.Context, key string, body []byte) (map[string]types.AttributeValue, error) {
	version, err := s.putObject(ctx, key, body)
	if err != nil {
		return nil, err
	}
	attrs := map[string]types.AttributeValue{attrRef: str(key)}
	if version != "" {
		attrs[attrRefVersion] = str(version)
	}
	return attrs, nil
}

// loadAppDoc reads the JSON document of an app/stage's item sk into a T (what names it in
// errors); nil, nil when there is no such item.
func loadAppDoc[T any](ctx context.Context, s *Store, app, stage, sk, what string) (*T, error) {
	if err := checkAppStage(app, stage); err != nil {
		return nil, err
	}
	item, err := s.getItem(ctx, appPK(app, stage), sk)
	if err != nil || item == nil {
		return nil, err
	}
	body, err := s.docBody(ctx, item)
	if err != nil {
		return nil, err
	}
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("state: %s %s/%s: %w", what, app, stage, err)
	}
	return &v, nil
}

// docBody returns an item's document, inline or from S3.
func (s *Store) docBody(ctx context.Context, item map[string]types.AttributeValue) ([]byte, error) {
	if ref := getS(item, attrRef); ref != "" {
		body, found, err := s.getObject(ctx, ref, getS(item, attrRefVersion))
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("state: item %s %s points at s3://%s/%s, which does not exist",
				getS(item, attrPK), getS(item, attrSK), s.bucket, ref)
		}
		return body, nil
	}
	return []byte(getS(item, attrDoc)), nil
}
