package state

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The feature/dynamodb/attributevalue module is not a dependency of berth, and the items
// here are few and flat, so attribute values are built and read by hand.

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func num(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func getS(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func getN(item map[string]types.AttributeValue, name string) int64 {
	if v, ok := item[name].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

func getM(item map[string]types.AttributeValue, name string) map[string]types.AttributeValue {
	if v, ok := item[name].(*types.AttributeValueMemberM); ok {
		return v.Value
	}
	return nil
}

func strMap(m map[string]string) types.AttributeValue {
	av := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		av[k] = str(v)
	}
	return &types.AttributeValueMemberM{Value: av}
}

func getStrMap(item map[string]types.AttributeValue, name string) map[string]string {
	m := getM(item, name)
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k := range m {
		out[k] = getS(m, k)
	}
	return out
}

// Times are stored as RFC 3339 strings in UTC where people read them (records), and as
// Unix nanoseconds where conditions compare them (lock leases) or keys sort by them.

func timeAttr(t time.Time) types.AttributeValue { return str(t.UTC().Format(time.RFC3339Nano)) }

func getTime(item map[string]types.AttributeValue, name string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, getS(item, name))
	return t
}

// unixNanos maps the zero time to 0 (time.Time.UnixNano is undefined for it) and clamps
// times before 1970 to 0, so "no time" compares older than every real time.
func unixNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return max(t.UnixNano(), 0)
}

// fromNanos inverts unixNanos: 0 is the zero time.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// nanos renders a time as a fixed-width sort-key part.
func nanos(t time.Time) string { return fmt.Sprintf("%0*d", nanosWidth, unixNanos(t)) }

// truncate caps free text (errors, step details) so one record cannot approach the item
// size limit, cutting on a rune boundary.
func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…(truncated)"
}
