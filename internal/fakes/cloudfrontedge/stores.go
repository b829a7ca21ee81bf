package cloudfrontedge

import (
	"fmt"
	"net/http"
	"time"
)

// store is one KeyValueStore. The control plane and the data plane version it separately:
// etag moves with UpdateKeyValueStore, dataETag with every key write.
type store struct {
	name, id, arn, comment string
	etag, dataETag         string
	created, modified      time.Time
	// provisioning is true until the store has been reported once: AWS answers
	// CreateKeyValueStore with PROVISIONING and the store turns READY shortly after.
	provisioning bool
	tags         map[string]string
	items        map[string]string
	size         int // sum of key and value bytes
}

func (s *store) xml() xmlKeyValueStore {
	status := "READY"
	if s.provisioning {
		status = "PROVISIONING"
	}
	return xmlKeyValueStore{Name: s.name, Id: s.id, Comment: s.comment, ARN: s.arn, Status: status, LastModifiedTime: xmlTime(s.modified)}
}

// storeByARN finds a store by ARN. Callers hold f.mu.
func (f *FakeServer) storeByARN(arn string) *store {
	for _, s := range f.stores {
		if s.arn == arn {
			return s
		}
	}
	return nil
}

func (f *FakeServer) createKVS(w http.ResponseWriter, r *http.Request) {
	var in createKVSRequest
	if !decodeXML(w, r, &in) {
		return
	}
	switch {
	case !nameRE.MatchString(in.Name):
		writeXMLError(w, http.StatusBadRequest, "InvalidArgument", "invalid KeyValueStore name "+in.Name)
		return
	case in.ImportSource != nil:
		writeXMLError(w, http.StatusBadRequest, "UnsupportedOperation", "the fake does not import from S3")
		return
	case f.stores[in.Name] != nil:
		writeXMLError(w, http.StatusConflict, "EntityAlreadyExists", "A KeyValueStore named "+in.Name+" already exists.")
		return
	}
	id, t := newUUID(), now()
	s := &store{
		name: in.Name, id: id, comment: in.Comment,
		arn:  fmt.Sprintf("arn:aws:cloudfront::%s:key-value-store/%s", f.Account, id),
		etag: f.nextETag("E"), dataETag: f.nextETag("KV"),
		created: t, modified: t, provisioning: true,
		tags: tagMap(in.Tags), items: map[string]string{},
	}
	f.stores[in.Name] = s
	out := s.xml()
	out.NS = xmlNS
	s.provisioning = false
	w.Header().Set("Location", "https://cloudfront.amazonaws.com/2020-05-31/key-value-store/"+s.arn)
	writeXML(w, http.StatusCreated, s.etag, out)
}

func (f *FakeServer) describeKVS(w http.ResponseWriter, name string) {
	s := f.stores[name]
	if s == nil {
		writeXMLError(w, http.StatusNotFound, "EntityNotFound", "The KeyValueStore "+name+" does not exist.")
		return
	}
	out := s.xml()
	out.NS = xmlNS
	writeXML(w, http.StatusOK, s.etag, out)
}

func (f *FakeServer) updateKVS(w http.ResponseWriter, r *http.Request, name string) {
	s := f.stores[name]
	if s == nil {
		writeXMLError(w, http.StatusNotFound, "EntityNotFound", "The KeyValueStore "+name+" does not exist.")
		return
	}
	if !f.ifMatch(w, r, &s.etag) {
		return
	}
	var in updateKVSRequest
	if !decodeXML(w, r, &in) {
		return
	}
	s.comment, s.modified, s.etag = in.Comment, now(), f.nextETag("E")
	out := s.xml()
	out.NS = xmlNS
	writeXML(w, http.StatusOK, s.etag, out)
}

func (f *FakeServer) deleteKVS(w http.ResponseWriter, r *http.Request, name string) {
	s := f.stores[name]
	if s == nil {
		writeXMLError(w, http.StatusNotFound, "EntityNotFound", "The KeyValueStore "+name+" does not exist.")
		return
	}
	if !f.ifMatch(w, r, &s.etag) {
		return
	}
	if f.associated(s.arn) {
		writeXMLError(w, http.StatusConflict, "CannotDeleteEntityWhileInUse", "The KeyValueStore is associated with a function.")
		return
	}
	delete(f.stores, name)
	w.WriteHeader(http.StatusNoContent)
}

func (f *FakeServer) listKVS(w http.ResponseWriter, r *http.Request) {
	names := make([]string, 0, len(f.stores))
	for name := range f.stores {
		names = append(names, name)
	}
	names, next, max := page(names, r)
	out := xmlKeyValueStoreList{NS: xmlNS, NextMarker: next, MaxItems: max, Quantity: len(names)}
	for _, name := range names {
		out.Items = append(out.Items, f.stores[name].xml())
	}
	writeXML(w, http.StatusOK, "", out)
}
