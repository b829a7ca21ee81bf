package cloudfrontedge

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
)

// CloudFront VPC origins (CreateVpcOrigin, GetVpcOrigin, UpdateVpcOrigin, DeleteVpcOrigin,
// ListVpcOrigins; CloudFront API reference, and "Restrict access with VPC origins",
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html),
// which moto does not implement. Modelled because berth depends on it: a new or updated
// VPC origin is "Deploying" and becomes "Deployed" later (here: at the next read), updates
// and deletes need the current ETag in If-Match, names are unique, tags on the
// vpcorigin ARN. CloudFront creates its VPC-origins security group in the origin's VPC
// (CloudFront-VPCOrigins-Service-SG) and refuses a VPC without an internet gateway; both
// happen in EC2, which lives in moto, so the fake calls OnCreate and fails the create
// with its error. Not modelled: refusing to delete a VPC origin a distribution uses
// (distributions live in moto), pagination beyond one page of 100.

type vpcOrigin struct {
	id, arn, etag, status string
	config                xmlVpcOriginEndpointConfig
	created, modified     string
	tags                  map[string]string
}

type xmlVpcOriginEndpointConfig struct {
	XMLName              xml.Name         `xml:"VpcOriginEndpointConfig"`
	Name                 string           `xml:"Name"`
	Arn                  string           `xml:"Arn"`
	HTTPPort             int              `xml:"HTTPPort"`
	HTTPSPort            int              `xml:"HTTPSPort"`
	OriginProtocolPolicy string           `xml:"OriginProtocolPolicy"`
	OriginSslProtocols   *xmlSslProtocols `xml:"OriginSslProtocols,omitempty"`
}

type xmlSslProtocols struct {
	Quantity int      `xml:"Quantity"`
	Items    []string `xml:"Items>SslProtocol"`
}

type createVpcOriginRequest struct {
	XMLName                 xml.Name                   `xml:"CreateVpcOriginRequest"`
	VpcOriginEndpointConfig xmlVpcOriginEndpointConfig `xml:"VpcOriginEndpointConfig"`
	Tags                    *xmlTags                   `xml:"Tags"`
}

type xmlVpcOrigin struct {
	XMLName                 xml.Name                   `xml:"VpcOrigin"`
	NS                      string                     `xml:"xmlns,attr,omitempty"`
	Id                      string                     `xml:"Id"`
	Arn                     string                     `xml:"Arn"`
	AccountId               string                     `xml:"AccountId"`
	Status                  string                     `xml:"Status"`
	CreatedTime             string                     `xml:"CreatedTime"`
	LastModifiedTime        string                     `xml:"LastModifiedTime"`
	VpcOriginEndpointConfig xmlVpcOriginEndpointConfig `xml:"VpcOriginEndpointConfig"`
}

type xmlVpcOriginSummary struct {
	Id                string `xml:"Id"`
	Name              string `xml:"Name"`
	Status            string `xml:"Status"`
	CreatedTime       string `xml:"CreatedTime"`
	LastModifiedTime  string `xml:"LastModifiedTime"`
	Arn               string `xml:"Arn"`
	AccountId         string `xml:"AccountId"`
	OriginEndpointArn string `xml:"OriginEndpointArn"`
}

type xmlVpcOriginList struct {
	XMLName     xml.Name              `xml:"VpcOriginList"`
	NS          string                `xml:"xmlns,attr,omitempty"`
	Marker      string                `xml:"Marker"`
	MaxItems    int                   `xml:"MaxItems"`
	IsTruncated bool                  `xml:"IsTruncated"`
	Quantity    int                   `xml:"Quantity"`
	Items       []xmlVpcOriginSummary `xml:"Items>VpcOriginSummary"`
}

// VPC origin statuses (VpcOrigin.Status).
const (
	VpcOriginDeploying = "Deploying"
	VpcOriginDeployed  = "Deployed"
)

func (f *FakeServer) routeVpcOrigin(w http.ResponseWriter, r *http.Request, p []string) {
	switch {
	case len(p) == 0 && r.Method == http.MethodPost:
		f.createVpcOrigin(w, r)
	case len(p) == 0 && r.Method == http.MethodGet:
		f.listVpcOrigins(w)
	case len(p) == 1 && r.Method == http.MethodGet:
		f.getVpcOrigin(w, p[0])
	case len(p) == 1 && r.Method == http.MethodPut:
		f.updateVpcOrigin(w, r, p[0])
	case len(p) == 1 && r.Method == http.MethodDelete:
		f.deleteVpcOrigin(w, r, p[0])
	default:
		writeXMLError(w, http.StatusBadRequest, "UnsupportedOperation", "the fake does not implement "+r.Method+" "+r.URL.Path)
	}
}

func (v *vpcOrigin) xml(account string) xmlVpcOrigin {
	return xmlVpcOrigin{NS: xmlNS, Id: v.id, Arn: v.arn, AccountId: account, Status: v.status,
		CreatedTime: v.created, LastModifiedTime: v.modified, VpcOriginEndpointConfig: v.config}
}

// validVpcOriginConfig checks the required members of VpcOriginEndpointConfig.
func validVpcOriginConfig(c xmlVpcOriginEndpointConfig) string {
	switch {
	case !nameRE.MatchString(c.Name):
		return "invalid VPC origin name " + c.Name
	case c.Arn == "":
		return "VpcOriginEndpointConfig.Arn is required"
	case c.OriginProtocolPolicy != "http-only" && c.OriginProtocolPolicy != "https-only" && c.OriginProtocolPolicy != "match-viewer":
		return "invalid OriginProtocolPolicy " + c.OriginProtocolPolicy
	}
	return ""
}

func (f *FakeServer) createVpcOrigin(w http.ResponseWriter, r *http.Request) {
	var in createVpcOriginRequest
	if !decodeXML(w, r, &in) {
		return
	}
	if msg := validVpcOriginConfig(in.VpcOriginEndpointConfig); msg != "" {
		writeXMLError(w, http.StatusBadRequest, "InvalidArgument", msg)
		return
	}
	for _, v := range f.vpcOrigins {
		if v.config.Name == in.VpcOriginEndpointConfig.Name {
			writeXMLError(w, http.StatusConflict, "EntityAlreadyExists", "A VPC origin named "+v.config.Name+" already exists.")
			return
		}
	}
	if f.OnVpcOriginCreate != nil {
		if err := f.OnVpcOriginCreate(in.VpcOriginEndpointConfig.Arn); err != nil {
			writeXMLError(w, http.StatusBadRequest, "InvalidArgument", err.Error())
			return
		}
	}
	var b [11]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	id := "vo_" + hex.EncodeToString(b[:])
	t := xmlTime(now())
	v := &vpcOrigin{id: id, arn: fmt.Sprintf("arn:aws:cloudfront::%s:vpcorigin/%s", f.Account, id), etag: f.nextETag("E"),
		status: VpcOriginDeploying, config: in.VpcOriginEndpointConfig, created: t, modified: t, tags: tagMap(in.Tags)}
	f.vpcOrigins[id] = v
	w.Header().Set("Location", "https://cloudfront.amazonaws.com/2020-05-31/vpc-origin/"+id)
	writeXML(w, http.StatusAccepted, v.etag, v.xml(f.Account))
}

// settle moves a Deploying VPC origin to Deployed: the fake's stand-in for the minutes
// CloudFront takes, seen as one read in the Deploying state. Callers hold f.mu.
func (v *vpcOrigin) settle() {
	if v.status == VpcOriginDeploying {
		v.status = VpcOriginDeployed
	}
}

func (f *FakeServer) getVpcOrigin(w http.ResponseWriter, id string) {
	v := f.vpcOrigins[id]
	if v == nil {
		writeXMLError(w, http.StatusNotFound, "EntityNotFound", "The VPC origin "+id+" does not exist.")
		return
	}
	writeXML(w, http.StatusOK, v.etag, v.xml(f.Account))
	v.settle()
}

func (f *FakeServer) listVpcOrigins(w http.ResponseWriter) {
	out := xmlVpcOriginList{NS: xmlNS, MaxItems: 100}
	for _, v := range f.vpcOrigins {
		out.Items = append(out.Items, xmlVpcOriginSummary{Id: v.id, Name: v.config.Name, Status: v.status, CreatedTime: v.created,
			LastModifiedTime: v.modified, Arn: v.arn, AccountId: f.Account, OriginEndpointArn: v.config.Arn})
	}
	out.Quantity = len(out.Items)
	writeXML(w, http.StatusOK, "", out)
}

func (f *FakeServer) updateVpcOrigin(w http.ResponseWriter, r *http.Request, id string) {
	v := f.vpcOrigins[id]
	if v == nil {
		writeXMLError(w, http.StatusNotFound, "EntityNotFound", "The VPC origin "+id+" does not exist.")
		return
	}
	if !f.ifMatch(w, r, &v.etag) {
		return
	}
	var in xmlVpcOriginEndpointConfig
	if !decodeXML(w, r, &in) {
		return
	}
	if msg := validVpcOriginConfig(in); msg != "" {
		writeXMLError(w, http.StatusBadRequest, "InvalidArgument", msg)
		return
	}
	v.config, v.status, v.etag, v.modified = in, VpcOriginDeploying, f.nextETag("E"), xmlTime(now())
	writeXML(w, http.StatusAccepted, v.etag, v.xml(f.Account))
}

func (f *FakeServer) deleteVpcOrigin(w http.ResponseWriter, r *http.Request, id string) {
	v := f.vpcOrigins[id]
	if v == nil {
		writeXMLError(w, http.StatusNotFound, "EntityNotFound", "The VPC origin "+id+" does not exist.")
		return
	}
	if !f.ifMatch(w, r, &v.etag) {
		return
	}
	delete(f.vpcOrigins, id)
	writeXML(w, http.StatusAccepted, f.nextETag("E"), v.xml(f.Account))
}

// VpcOriginStatuses returns each VPC origin's name and status, for tests.
func (f *FakeServer) VpcOriginStatuses() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]string{}
	for _, v := range f.vpcOrigins {
		out[v.config.Name] = v.status
	}
	return out
}
