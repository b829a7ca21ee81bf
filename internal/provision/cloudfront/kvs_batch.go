package cloudfront

import (
	"encoding/json"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"
)

type entry struct{ key, value string }

// diff returns the entries to put (new or changed) and the keys to delete, sorted by key
// so batches and results are deterministic.
func diff(desired, current map[string]string) (puts []entry, deletes []string) {
	for k, v := range desired {
		if cur, ok := current[k]; !ok || cur != v {
			puts = append(puts, entry{k, v})
		}
	}
	for k := range current {
		if _, ok := desired[k]; !ok {
			deletes = append(deletes, k)
		}
	}
	sort.Slice(puts, func(i, j int) bool { return puts[i].key < puts[j].key })
	sort.Strings(deletes)
	return puts, deletes
}

// batch is one UpdateKeys call.
type batch struct {
	puts    []entry
	deletes []string
}

func (b batch) input(arn, etag string) *cloudfrontkeyvaluestore.UpdateKeysInput {
	in := &cloudfrontkeyvaluestore.UpdateKeysInput{KvsARN: aws.String(arn), IfMatch: aws.String(etag)}
	for _, p := range b.puts {
		in.Puts = append(in.Puts, types.PutKeyRequestListItem{Key: aws.String(p.key), Value: aws.String(p.value)})
	}
	for _, k := range b.deletes {
		in.Deletes = append(in.Deletes, types.DeleteKeyRequestListItem{Key: aws.String(k)})
	}
	return in
}

// batchOverhead is the JSON around the lists of an UpdateKeys body, and itemOverhead the
// JSON around one item ({"Key":,"Value":},): generous so the estimate is an upper bound.
const (
	batchOverhead = 64
	itemOverhead  = 32
)

// batches packs puts, then deletes, into UpdateKeys calls within MaxBatchKeys and
// MaxBatchBytes.
func batches(puts []entry, deletes []string) []batch {
	var (
		out  []batch
		cur  batch
		size = batchOverhead
	)
	add := func(itemBytes int) {
		if n := len(cur.puts) + len(cur.deletes); n == MaxBatchKeys || (n > 0 && size+itemBytes > MaxBatchBytes) {
			out = append(out, cur)
			cur, size = batch{}, batchOverhead
		}
		size += itemBytes
	}
	for _, p := range puts {
		add(jsonLen(p.key) + jsonLen(p.value) + itemOverhead)
		cur.puts = append(cur.puts, p)
	}
	for _, k := range deletes {
		add(jsonLen(k) + itemOverhead)
		cur.deletes = append(cur.deletes, k)
	}
	if len(cur.puts)+len(cur.deletes) > 0 {
		out = append(out, cur)
	}
	return out
}

// jsonLen is the encoded length of s as a JSON string.
func jsonLen(s string) int {
	b, _ := json.Marshal(s) // a string always marshals
	return len(b)
}
