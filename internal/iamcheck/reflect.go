package iamcheck

import (
	"reflect"
	"strings"
)

// field reads a string (or *string) field of an SDK input struct; "" when absent.
func field(in any, name string) string {
	v := deref(reflect.ValueOf(in))
	if v.Kind() != reflect.Struct {
		return ""
	}
	f := deref(v.FieldByName(name))
	if f.Kind() == reflect.String {
		return f.String()
	}
	return ""
}

// fields reads a []string field.
func fields(in any, name string) []string {
	v := deref(reflect.ValueOf(in))
	if v.Kind() != reflect.Struct {
		return nil
	}
	f := v.FieldByName(name)
	if f.Kind() != reflect.Slice {
		return nil
	}
	var out []string
	for i := 0; i < f.Len(); i++ {
		if e := deref(f.Index(i)); e.Kind() == reflect.String {
			out = append(out, e.String())
		}
	}
	return out
}

// mapKeys reads the keys of a map field (DynamoDB's RequestItems).
func mapKeys(in any, name string) []string {
	v := deref(reflect.ValueOf(in))
	if v.Kind() != reflect.Struct {
		return nil
	}
	f := v.FieldByName(name)
	if f.Kind() != reflect.Map {
		return nil
	}
	var out []string
	for _, k := range f.MapKeys() {
		out = append(out, k.String())
	}
	return out
}

func deref(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		v = v.Elem()
	}
	return v
}

// requestTags collects the tags an input carries in its Tags / TagSpecifications field,
// whatever the service's shape: map[string]string, []{Key, Value}, {Items: [...]}.
func requestTags(in any) map[string]string {
	out := map[string]string{}
	v := deref(reflect.ValueOf(in))
	if v.Kind() != reflect.Struct {
		return out
	}
	// CreateDistributionWithTags carries them in DistributionConfigWithTags.Tags.
	for _, name := range []string{"Tags", "TagSpecifications", "DistributionConfigWithTags"} {
		collectTags(v.FieldByName(name), out, 0)
	}
	return out
}

func collectTags(v reflect.Value, out map[string]string, depth int) {
	v = deref(v)
	if !v.IsValid() || depth > 4 {
		return
	}
	switch v.Kind() {
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if e := deref(v.MapIndex(k)); e.Kind() == reflect.String {
				out[k.String()] = e.String()
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			collectTags(v.Index(i), out, depth+1)
		}
	case reflect.Struct:
		k, val := deref(v.FieldByName("Key")), deref(v.FieldByName("Value"))
		if k.Kind() == reflect.String {
			s := ""
			if val.Kind() == reflect.String {
				s = val.String()
			}
			out[k.String()] = s
			return
		}
		for _, name := range []string{"Items", "Tags"} { // {Items: [...]}, {Tags: {Items: [...]}}
			collectTags(v.FieldByName(name), out, depth+1)
		}
	}
}

// lastSegment returns what follows the last sep in s (an ARN's name part), s if none.
func lastSegment(s, sep string) string {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[i+len(sep):]
	}
	return s
}

// deep collects the strings at a path of field names, through pointers and slices
// (e.g. ChangeBatch.Changes[].ResourceRecordSet.Type).
func deep(in any, path ...string) []string {
	var out []string
	var walk func(v reflect.Value, path []string)
	walk = func(v reflect.Value, path []string) {
		v = deref(v)
		if !v.IsValid() {
			return
		}
		if v.Kind() == reflect.Slice {
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i), path)
			}
			return
		}
		if len(path) == 0 {
			if v.Kind() == reflect.String {
				out = append(out, v.String())
			}
			return
		}
		if v.Kind() == reflect.Struct {
			walk(v.FieldByName(path[0]), path[1:])
		}
	}
	walk(reflect.ValueOf(in), path)
	return out
}
