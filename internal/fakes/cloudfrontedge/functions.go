package cloudfrontedge

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"time"
)

// Function limits CloudFront enforces.
const (
	maxFunctionCode = 10 * 1024
	runtimeJS1      = "cloudfront-js-1.0"
	runtimeJS2      = "cloudfront-js-2.0"
)

// Function stages.
const (
	stageDevelopment = "DEVELOPMENT"
	stageLive        = "LIVE"
)

// function is one CloudFront Function: a DEVELOPMENT stage every update writes, and the
// LIVE stage the last PublishFunction copied from it.
type function struct {
	name, arn string
	created   time.Time
	tags      map[string]string
	dev       fnStage
	live      *fnStage
	published bool // dev unchanged since the last publish
}

type fnStage struct {
	config   xmlFunctionConfig
	code     []byte
	etag     string
	modified time.Time
}

func (fn *function) summary(stage string) xmlFunctionSummary {
	st, status := fn.dev, "UNPUBLISHED"
	if stage == stageLive {
		st, status = *fn.live, "UNASSOCIATED"
	} else if fn.published {
		status = "UNASSOCIATED"
	}
	return xmlFunctionSummary{
		Name:           fn.name,
		Status:         status,
		FunctionConfig: st.config,
		FunctionMetadata: xmlFunctionMetadata{
			FunctionARN:      fn.arn,
			Stage:            stage,
			CreatedTime:      xmlTime(fn.created),
			LastModifiedTime: xmlTime(st.modified),
		},
	}
}

// stage resolves the Stage query parameter of name; ok is false (and the error written)
// when the function or that stage does not exist.
func (f *FakeServer) stage(w http.ResponseWriter, r *http.Request, name string) (fn *function, st *fnStage, stage string, ok bool) {
	fn = f.functions[name]
	stage = r.URL.Query().Get("Stage")
	if stage == "" {
		stage = stageDevelopment
	}
	switch {
	case fn == nil:
	case stage == stageDevelopment:
		return fn, &fn.dev, stage, true
	case stage == stageLive && fn.live != nil:
		return fn, fn.live, stage, true
	}
	writeXMLError(w, http.StatusNotFound, "NoSuchFunctionExists", fmt.Sprintf("The function %s does not exist in stage %s.", name, stage))
	return nil, nil, stage, false
}

// validFunction checks a function's config and code as CloudFront does.
func (f *FakeServer) validFunction(w http.ResponseWriter, cfg xmlFunctionConfig, code64 string) ([]byte, bool) {
	code, err := base64.StdEncoding.DecodeString(code64)
	if err != nil || len(code) == 0 {
		writeXMLError(w, http.StatusBadRequest, "InvalidArgument", "FunctionCode must be non-empty base64")
		return nil, false
	}
	if len(code) > maxFunctionCode {
		writeXMLError(w, http.StatusRequestEntityTooLarge, "FunctionSizeLimitExceeded", fmt.Sprintf("function code is %d bytes; the maximum is %d", len(code), maxFunctionCode))
		return nil, false
	}
	if cfg.Runtime != runtimeJS1 && cfg.Runtime != runtimeJS2 {
		writeXMLError(w, http.StatusBadRequest, "InvalidArgument", "unknown runtime "+cfg.Runtime)
		return nil, false
	}
	if a := cfg.KeyValueStoreAssociations; a != nil {
		switch {
		case a.Quantity != len(a.Items):
			writeXMLError(w, http.StatusBadRequest, "InvalidArgument", "KeyValueStoreAssociations Quantity does not match Items")
			return nil, false
		case len(a.Items) > 1:
			writeXMLError(w, http.StatusBadRequest, "InvalidArgument", "a function can be associated with at most one KeyValueStore")
			return nil, false
		case len(a.Items) == 1 && cfg.Runtime != runtimeJS2:
			writeXMLError(w, http.StatusBadRequest, "InvalidArgument", "KeyValueStore associations need runtime "+runtimeJS2)
			return nil, false
		case len(a.Items) == 1 && f.storeByARN(a.Items[0].KeyValueStoreARN) == nil:
			writeXMLError(w, http.StatusBadRequest, "InvalidArgument", "KeyValueStore "+a.Items[0].KeyValueStoreARN+" does not exist")
			return nil, false
		}
	}
	return code, true
}

func (f *FakeServer) createFunction(w http.ResponseWriter, r *http.Request) {
	var in createFunctionRequest
	if !decodeXML(w, r, &in) {
		return
	}
	if !nameRE.MatchString(in.Name) {
		writeXMLError(w, http.StatusBadRequest, "InvalidArgument", "invalid function name "+in.Name)
		return
	}
	if f.functions[in.Name] != nil {
		writeXMLError(w, http.StatusConflict, "FunctionAlreadyExists", "A function with the same name already exists.")
		return
	}
	code, ok := f.validFunction(w, in.FunctionConfig, in.FunctionCode)
	if !ok {
		return
	}
	t := now()
	fn := &function{
		name:    in.Name,
		arn:     fmt.Sprintf("arn:aws:cloudfront::%s:function/%s", f.Account, in.Name),
		created: t,
		tags:    tagMap(in.Tags),
		dev:     fnStage{config: in.FunctionConfig, code: code, etag: f.nextETag("E"), modified: t},
	}
	f.functions[in.Name] = fn
	w.Header().Set("Location", "https://cloudfront.amazonaws.com/2020-05-31/function/"+fn.arn)
	s := fn.summary(stageDevelopment)
	s.NS = xmlNS
	writeXML(w, http.StatusCreated, fn.dev.etag, s)
}

func (f *FakeServer) describeFunction(w http.ResponseWriter, r *http.Request, name string) {
	fn, st, stage, ok := f.stage(w, r, name)
	if !ok {
		return
	}
	s := fn.summary(stage)
	s.NS = xmlNS
	writeXML(w, http.StatusOK, st.etag, s)
}

func (f *FakeServer) getFunction(w http.ResponseWriter, r *http.Request, name string) {
	_, st, _, ok := f.stage(w, r, name)
	if !ok {
		return
	}
	w.Header().Set("ETag", st.etag)
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(st.code)
}

func (f *FakeServer) updateFunction(w http.ResponseWriter, r *http.Request, name string) {
	fn := f.functions[name]
	if fn == nil {
		writeXMLError(w, http.StatusNotFound, "NoSuchFunctionExists", "The function "+name+" does not exist.")
		return
	}
	if !f.ifMatch(w, r, &fn.dev.etag) {
		return
	}
	var in updateFunctionRequest
	if !decodeXML(w, r, &in) {
		return
	}
	code, ok := f.validFunction(w, in.FunctionConfig, in.FunctionCode)
	if !ok {
		return
	}
	fn.dev = fnStage{config: in.FunctionConfig, code: code, etag: f.nextETag("E"), modified: now()}
	fn.published = false
	s := fn.summary(stageDevelopment)
	s.NS = xmlNS
	// CloudFront's model names this response header "ETtag" (sic), and the SDK reads
	// UpdateFunctionOutput.ETag from exactly that header.
	w.Header().Set("ETtag", fn.dev.etag)
	writeXML(w, http.StatusOK, "", s)
}

func (f *FakeServer) publishFunction(w http.ResponseWriter, r *http.Request, name string) {
	fn := f.functions[name]
	if fn == nil {
		writeXMLError(w, http.StatusNotFound, "NoSuchFunctionExists", "The function "+name+" does not exist.")
		return
	}
	if !f.ifMatch(w, r, &fn.dev.etag) {
		return
	}
	if fn.published {
		// Publishing again what is already LIVE is refused with 412 on real CloudFront
		// (hashicorp/terraform-provider-aws#49572).
		writeXMLError(w, http.StatusPreconditionFailed, "PreconditionFailed", "The function's DEVELOPMENT stage is already published.")
		return
	}
	live := fn.dev
	live.etag, live.modified = f.nextETag("E"), now()
	fn.live, fn.published = &live, true
	s := fn.summary(stageLive)
	s.NS = xmlNS
	writeXML(w, http.StatusOK, "", s)
}

func (f *FakeServer) deleteFunction(w http.ResponseWriter, r *http.Request, name string) {
	fn := f.functions[name]
	if fn == nil {
		writeXMLError(w, http.StatusNotFound, "NoSuchFunctionExists", "The function "+name+" does not exist.")
		return
	}
	if !f.ifMatch(w, r, &fn.dev.etag) {
		return
	}
	if f.inUse[name] {
		// DeleteFunction's model lists FunctionInUse (409) for a function a distribution
		// still associates (aws-sdk-go-v2 cloudfront DeleteFunction errors).
		writeXMLError(w, http.StatusConflict, "FunctionInUse", "Cannot delete function, it's in use by a distribution.")
		return
	}
	delete(f.functions, name)
	w.WriteHeader(http.StatusNoContent)
}

func (f *FakeServer) listFunctions(w http.ResponseWriter, r *http.Request) {
	stage := r.URL.Query().Get("Stage")
	var names []string
	for name, fn := range f.functions {
		if stage != stageLive || fn.live != nil {
			names = append(names, name)
		}
	}
	names, next, max := page(names, r)
	out := xmlFunctionList{NS: xmlNS, NextMarker: next, MaxItems: max, Quantity: len(names)}
	for _, name := range names {
		fn := f.functions[name]
		if stage == stageLive {
			out.Items = append(out.Items, fn.summary(stageLive))
		} else {
			out.Items = append(out.Items, fn.summary(stageDevelopment))
		}
	}
	writeXML(w, http.StatusOK, "", out)
}

// associated reports whether any function stage uses the store arn. Callers hold f.mu.
func (f *FakeServer) associated(arn string) bool {
	uses := func(st *fnStage) bool {
		if st == nil || st.config.KeyValueStoreAssociations == nil {
			return false
		}
		for _, a := range st.config.KeyValueStoreAssociations.Items {
			if a.KeyValueStoreARN == arn {
				return true
			}
		}
		return false
	}
	for _, fn := range f.functions {
		if uses(&fn.dev) || uses(fn.live) {
			return true
		}
	}
	return false
}
