package cloudfrontedge

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// KeyValueStore limits (CloudFront quotas; per-UpdateKeys limits as AWS documents them).
const (
	MaxKeyBytes         = 512
	MaxValueBytes       = 1024
	MaxStoreBytes       = 5 * 1024 * 1024
	MaxKeysPerUpdate    = 50
	MaxUpdatePayload    = 3 * 1024 * 1024
	MaxListKeysPage     = 50
	defaultListKeysPage = 10
)

type kvItem struct {
	Key   string `json:"Key"`
	Value string `json:"Value,omitempty"`
}

type updateKeysRequest struct {
	Puts    []kvItem `json:"Puts"`
	Deletes []kvItem `json:"Deletes"`
}

// serveDataPlane serves the cloudfront-keyvaluestore API:
//
//	GET    /key-value-stores/{KvsARN}             DescribeKeyValueStore
//	GET    /key-value-stores/{KvsARN}/keys        ListKeys
//	POST   /key-value-stores/{KvsARN}/keys        UpdateKeys
//	GET    /key-value-stores/{KvsARN}/keys/{Key}  GetKey
//	PUT    /key-value-stores/{KvsARN}/keys/{Key}  PutKey
//	DELETE /key-value-stores/{KvsARN}/keys/{Key}  DeleteKey
func (f *FakeServer) serveDataPlane(w http.ResponseWriter, r *http.Request) {
	// The SDK signs this API with SigV4A only; a SigV4 (or unsigned) request means the
	// client is misconfigured and AWS would refuse it.
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-ECDSA-P256-SHA256 ") || r.Header.Get("X-Amz-Region-Set") == "" {
		writeJSONError(w, http.StatusForbidden, "AccessDeniedException", "request is not SigV4A-signed (want Authorization AWS4-ECDSA-P256-SHA256 and X-Amz-Region-Set)")
		return
	}
	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), dataPlanePrefix), "/")
	for i, s := range segs {
		u, err := url.PathUnescape(s)
		if err != nil {
			writeJSONError(w, http.StatusBadRequest, "ValidationException", "bad path: "+err.Error())
			return
		}
		segs[i] = u
	}
	arn := segs[0]
	// The SDK's endpoint rules put the ARN's account in front of the endpoint host.
	if acct := arnAccount(arn); acct == "" || !strings.HasPrefix(r.Host, acct+".") {
		writeJSONError(w, http.StatusForbidden, "AccessDeniedException", fmt.Sprintf("host %q is not the endpoint of the account in %q", r.Host, arn))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.storeByARN(arn)
	if s == nil {
		writeJSONError(w, http.StatusNotFound, "ResourceNotFoundException", "Key value store "+arn+" not found")
		return
	}
	switch {
	case len(segs) == 1 && r.Method == http.MethodGet:
		f.dataDescribe(w, s)
	case len(segs) == 2 && segs[1] == "keys" && r.Method == http.MethodGet:
		f.listKeys(w, r, s)
	case len(segs) == 2 && segs[1] == "keys" && r.Method == http.MethodPost:
		f.updateKeys(w, r, s)
	case len(segs) == 3 && segs[1] == "keys" && r.Method == http.MethodGet:
		f.getKey(w, s, segs[2])
	case len(segs) == 3 && segs[1] == "keys" && r.Method == http.MethodPut:
		f.putKey(w, r, s, segs[2])
	case len(segs) == 3 && segs[1] == "keys" && r.Method == http.MethodDelete:
		f.deleteKey(w, r, s, segs[2])
	default:
		writeJSONError(w, http.StatusBadRequest, "ValidationException", "the fake does not implement "+r.Method+" "+r.URL.Path)
	}
}

// arnAccount returns the account field of an ARN, "" when arn is not one.
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}

type storeStats struct {
	ItemCount        int `json:"ItemCount"`
	TotalSizeInBytes int `json:"TotalSizeInBytes"`
}

func (s *store) stats() storeStats { return storeStats{len(s.items), s.size} }

func (f *FakeServer) dataDescribe(w http.ResponseWriter, s *store) {
	status := "READY"
	if s.provisioning {
		status = "PROVISIONING"
	}
	writeJSON(w, http.StatusOK, s.dataETag, map[string]any{
		"KvsARN": s.arn, "Created": epochSeconds(s.created), "LastModified": epochSeconds(s.modified),
		"ItemCount": len(s.items), "TotalSizeInBytes": s.size, "Status": status,
	})
}

func (f *FakeServer) getKey(w http.ResponseWriter, s *store, key string) {
	v, ok := s.items[key]
	if !ok {
		writeJSONError(w, http.StatusNotFound, "ResourceNotFoundException", "Key "+key+" not found")
		return
	}
	writeJSON(w, http.StatusOK, "", map[string]any{"Key": key, "Value": v, "ItemCount": len(s.items), "TotalSizeInBytes": s.size})
}

func (f *FakeServer) listKeys(w http.ResponseWriter, r *http.Request, s *store) {
	max := defaultListKeysPage
	if v := r.URL.Query().Get("MaxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxListKeysPage {
			writeJSONError(w, http.StatusBadRequest, "ValidationException", fmt.Sprintf("MaxResults must be 1-%d", MaxListKeysPage))
			return
		}
		max = n
	}
	after := ""
	if tok := r.URL.Query().Get("NextToken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			writeJSONError(w, http.StatusBadRequest, "ValidationException", "invalid NextToken")
			return
		}
		after = string(b)
	}
	keys := make([]string, 0, len(s.items))
	for k := range s.items {
		if k > after {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := struct {
		Items     []kvItem `json:"Items"`
		NextToken string   `json:"NextToken,omitempty"`
	}{Items: []kvItem{}}
	if len(keys) > max {
		keys = keys[:max]
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(keys[max-1]))
	}
	for _, k := range keys {
		out.Items = append(out.Items, kvItem{Key: k, Value: s.items[k]})
	}
	writeJSON(w, http.StatusOK, "", out)
}

// dataIfMatch is the data plane's optimistic lock. A stale IfMatch is answered the way
// f.StaleData says: AWS documents no code for it and the SDK model allows both (see
// StaleAnswer).
func (f *FakeServer) dataIfMatch(w http.ResponseWriter, r *http.Request, s *store) bool {
	got := r.Header.Get("If-Match")
	if got == "" {
		writeJSONError(w, http.StatusBadRequest, "ValidationException", "If-Match is required")
		return false
	}
	if f.takeConcurrentWrite() {
		s.dataETag = f.nextETag("KV")
	}
	if got != s.dataETag {
		if f.StaleData == StaleAsConflict {
			writeJSONError(w, http.StatusConflict, "ConflictException", "Pre-condition failed: the ETag does not match the current version of the key value store")
		} else {
			writeJSONError(w, http.StatusBadRequest, "ValidationException", "Pre-Condition failed")
		}
		return false
	}
	return true
}

func (f *FakeServer) putKey(w http.ResponseWriter, r *http.Request, s *store, key string) {
	var in struct{ Value *string }
	body, err := io.ReadAll(r.Body)
	if err == nil {
		err = json.Unmarshal(body, &in)
	}
	if err != nil || in.Value == nil {
		writeJSONError(w, http.StatusBadRequest, "ValidationException", "Value is required")
		return
	}
	f.apply(w, r, s, []kvItem{{Key: key, Value: *in.Value}}, nil)
}

func (f *FakeServer) deleteKey(w http.ResponseWriter, r *http.Request, s *store, key string) {
	f.apply(w, r, s, nil, []kvItem{{Key: key}})
}

func (f *FakeServer) updateKeys(w http.ResponseWriter, r *http.Request, s *store) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, "ValidationException", err.Error())
		return
	}
	if len(body) > MaxUpdatePayload {
		writeJSONError(w, http.StatusBadRequest, "ValidationException", fmt.Sprintf("UpdateKeys payload is %d bytes; the maximum is %d", len(body), MaxUpdatePayload))
		return
	}
	var in updateKeysRequest
	if err := json.Unmarshal(body, &in); err != nil {
		writeJSONError(w, http.StatusBadRequest, "ValidationException", err.Error())
		return
	}
	switch n := len(in.Puts) + len(in.Deletes); {
	case n == 0:
		writeJSONError(w, http.StatusBadRequest, "ValidationException", "UpdateKeys needs at least one put or delete")
		return
	case n > MaxKeysPerUpdate:
		writeJSONError(w, http.StatusBadRequest, "ValidationException", fmt.Sprintf("UpdateKeys has %d keys; the maximum is %d", n, MaxKeysPerUpdate))
		return
	}
	f.apply(w, r, s, in.Puts, in.Deletes)
}

// apply validates and then applies puts and deletes all-or-nothing, as UpdateKeys does.
func (f *FakeServer) apply(w http.ResponseWriter, r *http.Request, s *store, puts, deletes []kvItem) {
	if !f.dataIfMatch(w, r, s) {
		return
	}
	seen := map[string]bool{}
	size := s.size
	for _, p := range puts {
		if msg := validItem(p); msg != "" || seen[p.Key] {
			if msg == "" {
				msg = "key " + p.Key + " appears more than once"
			}
			writeJSONError(w, http.StatusBadRequest, "ValidationException", msg)
			return
		}
		seen[p.Key] = true
		if old, ok := s.items[p.Key]; ok {
			size -= len(p.Key) + len(old)
		}
		size += len(p.Key) + len(p.Value)
	}
	for _, d := range deletes {
		old, ok := s.items[d.Key]
		switch {
		case seen[d.Key]:
			writeJSONError(w, http.StatusBadRequest, "ValidationException", "key "+d.Key+" appears more than once")
			return
		case !ok:
			writeJSONError(w, http.StatusNotFound, "ResourceNotFoundException", "Key "+d.Key+" not found")
			return
		}
		seen[d.Key] = true
		size -= len(d.Key) + len(old)
	}
	if size > MaxStoreBytes {
		writeJSONError(w, 402, "ServiceQuotaExceededException", fmt.Sprintf("the key value store would hold %d bytes; the maximum is %d", size, MaxStoreBytes))
		return
	}
	for _, p := range puts {
		s.set(p.Key, p.Value)
		if stored, ok := f.corrupt[p.Key]; ok {
			delete(f.corrupt, p.Key)
			s.unset(p.Key)
			if stored != "" {
				s.set(p.Key, stored)
			}
		}
	}
	for _, d := range deletes {
		s.unset(d.Key)
	}
	s.dataETag, s.modified = f.nextETag("KV"), now()
	writeJSON(w, http.StatusOK, s.dataETag, s.stats())
}

func validItem(p kvItem) string {
	switch {
	case len(p.Key) == 0 || len(p.Key) > MaxKeyBytes:
		return fmt.Sprintf("key is %d bytes; keys are 1-%d bytes", len(p.Key), MaxKeyBytes)
	case len(p.Value) > MaxValueBytes:
		return fmt.Sprintf("value of %s is %d bytes; the maximum is %d", p.Key, len(p.Value), MaxValueBytes)
	}
	return ""
}

func (s *store) set(k, v string) {
	s.unset(k)
	s.items[k] = v
	s.size += len(k) + len(v)
}

func (s *store) unset(k string) {
	if old, ok := s.items[k]; ok {
		s.size -= len(k) + len(old)
		delete(s.items, k)
	}
}
