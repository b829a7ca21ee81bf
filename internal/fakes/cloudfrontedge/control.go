package cloudfrontedge

import (
	"encoding/xml"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// nameRE is what CloudFront accepts for function and KeyValueStore names.
var nameRE = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,64}$`)

// serveControlPlane routes /2020-05-31/{function,key-value-store,tagging}… requests.
func (f *FakeServer) serveControlPlane(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, apiVersionPrefix)
	parts := strings.Split(rest, "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch parts[0] {
	case "function":
		f.routeFunction(w, r, parts[1:])
	case "key-value-store":
		f.routeKVS(w, r, parts[1:])
	case "vpc-origin":
		f.routeVpcOrigin(w, r, parts[1:])
	case "tagging":
		f.routeTagging(w, r)
	}
}

func (f *FakeServer) routeFunction(w http.ResponseWriter, r *http.Request, p []string) {
	switch {
	case len(p) == 0 && r.Method == http.MethodPost:
		f.createFunction(w, r)
	case len(p) == 0 && r.Method == http.MethodGet:
		f.listFunctions(w, r)
	case len(p) == 1 && r.Method == http.MethodGet:
		f.getFunction(w, r, p[0])
	case len(p) == 1 && r.Method == http.MethodPut:
		f.updateFunction(w, r, p[0])
	case len(p) == 1 && r.Method == http.MethodDelete:
		f.deleteFunction(w, r, p[0])
	case len(p) == 2 && p[1] == "describe" && r.Method == http.MethodGet:
		f.describeFunction(w, r, p[0])
	case len(p) == 2 && p[1] == "publish" && r.Method == http.MethodPost:
		f.publishFunction(w, r, p[0])
	default:
		writeXMLError(w, http.StatusBadRequest, "UnsupportedOperation", "the fake does not implement "+r.Method+" "+r.URL.Path)
	}
}

func (f *FakeServer) routeKVS(w http.ResponseWriter, r *http.Request, p []string) {
	switch {
	case len(p) == 0 && r.Method == http.MethodPost:
		f.createKVS(w, r)
	case len(p) == 0 && r.Method == http.MethodGet:
		f.listKVS(w, r)
	case len(p) == 1 && r.Method == http.MethodGet:
		f.describeKVS(w, p[0])
	case len(p) == 1 && r.Method == http.MethodPut:
		f.updateKVS(w, r, p[0])
	case len(p) == 1 && r.Method == http.MethodDelete:
		f.deleteKVS(w, r, p[0])
	default:
		writeXMLError(w, http.StatusBadRequest, "UnsupportedOperation", "the fake does not implement "+r.Method+" "+r.URL.Path)
	}
}

// ifMatch enforces CloudFront's optimistic locking on a conditional write: IfMatch is
// required and must equal the current ETag. A pending injected concurrent write moves
// *etag first. Callers hold f.mu.
func (f *FakeServer) ifMatch(w http.ResponseWriter, r *http.Request, etag *string) bool {
	got := r.Header.Get("If-Match")
	if got == "" {
		writeXMLError(w, http.StatusBadRequest, "InvalidIfMatchVersion", "The If-Match version is missing or not valid.")
		return false
	}
	if f.takeConcurrentWrite() {
		*etag = f.nextETag("E")
	}
	if got != *etag {
		writeXMLError(w, http.StatusPreconditionFailed, "PreconditionFailed", "The request failed because it didn't meet the preconditions in one or more request-header fields.")
		return false
	}
	return true
}

// decodeXML reads a request document into v.
func decodeXML(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(r.Body)
	if err == nil {
		err = xml.Unmarshal(body, v)
	}
	if err != nil {
		writeXMLError(w, http.StatusBadRequest, "MalformedInput", err.Error())
		return false
	}
	return true
}

// page returns the slice of sorted names after marker, at most max (default 100), and
// the marker of the next page ("" when none).
func page(names []string, r *http.Request) (out []string, next string, max int) {
	sort.Strings(names)
	max = 100
	if v, err := strconv.Atoi(r.URL.Query().Get("MaxItems")); err == nil && v > 0 {
		max = v
	}
	marker := r.URL.Query().Get("Marker")
	i := sort.SearchStrings(names, marker)
	if marker != "" && i < len(names) && names[i] == marker {
		i++
	}
	out = names[i:]
	if len(out) > max {
		out, next = out[:max], out[max-1]
	}
	return out, next, max
}

// routeTagging serves ListTagsForResource, TagResource and UntagResource for function and
// KeyValueStore ARNs.
func (f *FakeServer) routeTagging(w http.ResponseWriter, r *http.Request) {
	arn := r.URL.Query().Get("Resource")
	tags := f.tagsOf(arn)
	if tags == nil {
		writeXMLError(w, http.StatusNotFound, "NoSuchResource", "The specified resource does not exist: "+arn)
		return
	}
	switch op := r.URL.Query().Get("Operation"); {
	case r.Method == http.MethodGet && op == "":
		out := xmlTagsResponse{NS: xmlNS}
		keys := make([]string, 0, len(tags))
		for k := range tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := tags[k]
			out.Items = append(out.Items, xmlTag{Key: k, Value: &v})
		}
		writeXML(w, http.StatusOK, "", out)
	case r.Method == http.MethodPost && op == "Tag":
		var in xmlTags
		if !decodeXML(w, r, &in) {
			return
		}
		for _, t := range in.Items {
			tags[t.Key] = deref(t.Value)
		}
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && op == "Untag":
		var in tagKeysRequest
		if !decodeXML(w, r, &in) {
			return
		}
		for _, k := range in.Keys {
			delete(tags, k)
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		writeXMLError(w, http.StatusBadRequest, "InvalidArgument", "unknown tagging operation "+op)
	}
}

// tagsOf returns the live tag map of a function or store ARN, nil when none has it.
func (f *FakeServer) tagsOf(arn string) map[string]string {
	for _, fn := range f.functions {
		if fn.arn == arn {
			return fn.tags
		}
	}
	for _, s := range f.stores {
		if s.arn == arn {
			return s.tags
		}
	}
	for _, v := range f.vpcOrigins {
		if v.arn == arn {
			return v.tags
		}
	}
	return nil
}

func tagMap(t *xmlTags) map[string]string {
	m := map[string]string{}
	if t != nil {
		for _, tag := range t.Items {
			m[tag.Key] = deref(tag.Value)
		}
	}
	return m
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
