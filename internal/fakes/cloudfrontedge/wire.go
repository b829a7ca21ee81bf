package cloudfrontedge

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"time"
)

// Wire shapes, element for element as aws-sdk-go-v2/service/cloudfront serializes requests
// and deserializes responses (REST-XML, namespace xmlNS).

const xmlNS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"

type xmlFunctionConfig struct {
	Comment                   string              `xml:"Comment"`
	Runtime                   string              `xml:"Runtime"`
	KeyValueStoreAssociations *xmlKVSAssociations `xml:"KeyValueStoreAssociations,omitempty"`
}

type xmlKVSAssociations struct {
	Quantity int                 `xml:"Quantity"`
	Items    []xmlKVSAssociation `xml:"Items>KeyValueStoreAssociation"`
}

type xmlKVSAssociation struct {
	KeyValueStoreARN string `xml:"KeyValueStoreARN"`
}

type xmlTags struct {
	Items []xmlTag `xml:"Items>Tag"`
}

type xmlTag struct {
	Key   string  `xml:"Key"`
	Value *string `xml:"Value,omitempty"`
}

type createFunctionRequest struct {
	XMLName        xml.Name          `xml:"CreateFunctionRequest"`
	Name           string            `xml:"Name"`
	FunctionConfig xmlFunctionConfig `xml:"FunctionConfig"`
	FunctionCode   string            `xml:"FunctionCode"` // base64
	Tags           *xmlTags          `xml:"Tags"`
}

type updateFunctionRequest struct {
	XMLName        xml.Name          `xml:"UpdateFunctionRequest"`
	FunctionConfig xmlFunctionConfig `xml:"FunctionConfig"`
	FunctionCode   string            `xml:"FunctionCode"` // base64
}

type createKVSRequest struct {
	XMLName      xml.Name  `xml:"CreateKeyValueStoreRequest"`
	Name         string    `xml:"Name"`
	Comment      string    `xml:"Comment"`
	ImportSource *struct{} `xml:"ImportSource"`
	Tags         *xmlTags  `xml:"Tags"`
}

type updateKVSRequest struct {
	XMLName xml.Name `xml:"UpdateKeyValueStoreRequest"`
	Comment string   `xml:"Comment"`
}

type tagKeysRequest struct {
	XMLName xml.Name `xml:"TagKeys"`
	Keys    []string `xml:"Items>Key"`
}

type xmlFunctionMetadata struct {
	FunctionARN      string `xml:"FunctionARN"`
	Stage            string `xml:"Stage"`
	CreatedTime      string `xml:"CreatedTime"`
	LastModifiedTime string `xml:"LastModifiedTime"`
}

type xmlFunctionSummary struct {
	XMLName          xml.Name            `xml:"FunctionSummary"`
	NS               string              `xml:"xmlns,attr,omitempty"`
	Name             string              `xml:"Name"`
	Status           string              `xml:"Status"`
	FunctionConfig   xmlFunctionConfig   `xml:"FunctionConfig"`
	FunctionMetadata xmlFunctionMetadata `xml:"FunctionMetadata"`
}

type xmlFunctionList struct {
	XMLName    xml.Name             `xml:"FunctionList"`
	NS         string               `xml:"xmlns,attr"`
	NextMarker string               `xml:"NextMarker,omitempty"`
	MaxItems   int                  `xml:"MaxItems"`
	Quantity   int                  `xml:"Quantity"`
	Items      []xmlFunctionSummary `xml:"Items>FunctionSummary"`
}

type xmlKeyValueStore struct {
	XMLName          xml.Name `xml:"KeyValueStore"`
	NS               string   `xml:"xmlns,attr,omitempty"`
	Name             string   `xml:"Name"`
	Id               string   `xml:"Id"`
	Comment          string   `xml:"Comment"`
	ARN              string   `xml:"ARN"`
	Status           string   `xml:"Status"`
	LastModifiedTime string   `xml:"LastModifiedTime"`
}

type xmlKeyValueStoreList struct {
	XMLName    xml.Name           `xml:"KeyValueStoreList"`
	NS         string             `xml:"xmlns,attr"`
	NextMarker string             `xml:"NextMarker,omitempty"`
	MaxItems   int                `xml:"MaxItems"`
	Quantity   int                `xml:"Quantity"`
	Items      []xmlKeyValueStore `xml:"Items>KeyValueStore"`
}

type xmlTagsResponse struct {
	XMLName xml.Name `xml:"Tags"`
	NS      string   `xml:"xmlns,attr"`
	Items   []xmlTag `xml:"Items>Tag"`
}

type xmlErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	NS      string   `xml:"xmlns,attr"`
	Type    string   `xml:"Error>Type"`
	Code    string   `xml:"Error>Code"`
	Message string   `xml:"Error>Message"`
	ReqID   string   `xml:"RequestId"`
}

// xmlTime renders a timestamp as CloudFront does (ISO 8601, UTC, milliseconds).
func xmlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// epochSeconds renders a timestamp as the REST-JSON data plane does.
func epochSeconds(t time.Time) json.Number {
	return json.Number(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64))
}

func writeXML(w http.ResponseWriter, status int, etag string, v any) {
	body, err := xml.Marshal(v)
	if err != nil {
		writeXMLError(w, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	if etag != "" {
		w.Header().Set("ETag", etag)
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

// writeXMLError writes CloudFront's error document; the SDK maps Code to its typed errors
// (types.PreconditionFailed, types.NoSuchFunctionExists, …).
func writeXMLError(w http.ResponseWriter, status int, code, msg string) {
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	body, _ := xml.Marshal(xmlErrorResponse{NS: xmlNS, Type: typ, Code: code, Message: msg, ReqID: "fake-" + code})
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, status int, etag string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeJSONError(w, http.StatusInternalServerError, "InternalServerException", err.Error())
		return
	}
	if etag != "" {
		w.Header().Set("ETag", etag)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeJSONError writes a REST-JSON error; the SDK reads the code from X-Amzn-ErrorType
// and maps it to types.ConflictException, types.ValidationException, ….
func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("X-Amzn-ErrorType", code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body, _ := json.Marshal(map[string]string{"Message": msg})
	_, _ = w.Write(body)
}
