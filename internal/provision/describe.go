package provision

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/berth-dev/berth/internal/plan"
)

// Describer is how the inventory (internal/inventory) lists a kind: which ARNs the
// Resource Groups Tagging API scan hands it and how its own package turns them into
// inventory items. One of Items (or ARNTypes alone), With and Unlisted says how; a kind
// with none is incomplete (TestEveryKindIsComplete). A new kind declares one in its
// package's describe.go and names it in its descriptor: ARNTypes alone for a kind the
// tagging API returns and that needs no call, or one Items function.
type Describer struct {
	// ARNTypes are the kind's ARNs as "<service>:<resource type>", optionally followed by
	// "/<id prefix>" ("elasticloadbalancing:loadbalancer/app/"): the scan gives the kind
	// every tagged resource whose ARN matches one.
	ARNTypes []string
	// Items turns the kind's tagged resources (found; empty when none were) into items,
	// dropping what its service reports gone (the tagging API lags deletions). It is
	// called on every listing, so a kind the tagging API does not return lists its own;
	// one that relies on the scan makes no call when found is empty.
	// With ARNTypes and no Items, each tagged resource is listed as the scan found it,
	// named by its Name tag or from its ARN.
	Items func(ctx context.Context, s Scope, found []Tagged) ([]Item, error)
	// With names the kind whose Items lists this one too (a function lists its URL and
	// policy; a load balancer its listeners and rules); what the scan finds of this kind
	// (by its ARNTypes) that Items reads in Scope.Found.
	With plan.Kind
	// Unlisted says why the kind is not listed: it cannot be tagged or marked, and so
	// cannot be told apart as berth's from the account alone.
	Unlisted string
}

// Declared reports whether d says, once, how its kind is listed.
func (d Describer) Declared() bool {
	switch {
	case d.Unlisted != "":
		return d.Items == nil && d.With == "" && len(d.ARNTypes) == 0
	case d.With != "":
		return d.Items == nil
	}
	return d.Items != nil || len(d.ARNTypes) > 0
}

// Matches reports whether a is one of the kind's ARNs (see ARNTypes).
func (d Describer) Matches(a ARN) bool {
	for _, t := range d.ARNTypes {
		typ, prefix, _ := strings.Cut(t, "/")
		if typ == a.Service+":"+a.Type && strings.HasPrefix(a.ID, prefix) {
			return true
		}
	}
	return false
}

// Item is one berth-owned resource as the inventory reports it.
type Item struct {
	Type       string
	Name       string
	Arn        string
	Attributes map[string]string
}

// Tagged is one resource the tagging API scan found.
type Tagged struct {
	Kind plan.Kind
	ARN  ARN
	Tags map[string]string
}

// Name is the resource's Name tag, or fallback.
func (t Tagged) Name(fallback string) string {
	if n := t.Tags["Name"]; n != "" {
		return n
	}
	return fallback
}

// Scope is one listing: whose resources, what the scan found, and how to reach AWS.
type Scope struct {
	App, Stage string
	// Config is the SDK config of a region: plan.EdgeRegion for the global services
	// (IAM, CloudFront) and what CloudFront uses (its certificates, Lambda@Edge).
	Config func(region string) aws.Config
	// Found is every resource the scan found, by kind.
	Found map[plan.Kind][]Tagged
}

// Owns reports whether tags name the scope's app and stage.
func (s Scope) Owns(tags map[string]string) bool {
	return tags[TagApp] == s.App && tags[TagStage] == s.Stage
}

// NamePrefix is how the names berth gives the scope's resources begin.
func (s Scope) NamePrefix() string { return plan.NamePrefix(s.App, s.Stage) }

// Marker is the ownership marker berth writes where it cannot tag, without the resource
// id (see OwnedByMarker).
func (s Scope) Marker() string { return MarkerPrefix(s.App, s.Stage) }

// An item's Arn may hold ${Partition} and ${Account} where its listing gives no ARN (an
// origin access control): the inventory fills them from the other resources it found,
// and leaves the Arn empty when it found none.
const (
	PartitionPlaceholder = "${Partition}"
	AccountPlaceholder   = "${Account}"
)

// ARN is an ARN split into its fields: arn:partition:service:region:account:resource,
// where the resource is "<type><sep><id>" (sep "/" or ":") or a bare id.
type ARN struct {
	Partition, Service, Region, Account string
	Type, Sep, ID                       string
}

// ParseARN splits an ARN; ok is false when s is not one. A global-service ARN that lacks
// its empty region field (moto 5.2.1's tagging API answers
// arn:aws:cloudfront:<account>:distribution/<id>) is read as if it had it.
func ParseARN(s string) (ARN, bool) {
	f := strings.SplitN(s, ":", 6)
	if len(f) == 5 && f[0] == "arn" && isAccount(f[3]) {
		f = []string{f[0], f[1], f[2], "", f[3], f[4]}
	}
	if len(f) != 6 || f[0] != "arn" {
		return ARN{}, false
	}
	a := ARN{Partition: f[1], Service: f[2], Region: f[3], Account: f[4]}
	res := f[5]
	if i := strings.IndexAny(res, "/:"); i >= 0 {
		a.Type, a.Sep, a.ID = res[:i], res[i:i+1], res[i+1:]
	} else {
		a.ID = res
	}
	return a, true
}

// String is the ARN in its canonical form.
func (a ARN) String() string {
	res := a.ID
	if a.Type != "" {
		res = a.Type + a.Sep + a.ID
	}
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + res
}

// Name derives a readable name from the ARN, for resources no call names.
func (a ARN) Name() string {
	id := a.ID
	switch a.Service + ":" + a.Type {
	case "lambda:function":
		id, _, _ = strings.Cut(id, ":") // drop a version or alias qualifier
		return id
	case "logs:log-group":
		return strings.TrimSuffix(id, ":*")
	case "elasticloadbalancing:loadbalancer", "elasticloadbalancing:targetgroup":
		// loadbalancer/app/<name>/<id>, targetgroup/<name>/<id>
		seg := strings.Split(id, "/")
		if len(seg) >= 2 {
			return seg[len(seg)-2]
		}
	}
	if a.Service == "wafv2" {
		if seg := strings.Split(id, "/"); len(seg) >= 3 {
			return seg[len(seg)-2]
		}
	}
	if i := strings.LastIndex(id, "/"); i >= 0 && a.Type != "task-definition" {
		return id[i+1:]
	}
	return id
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// PerItemParallel bounds the per-resource describe calls (GetFunction, GetDistribution,
// …) one kind has in flight at once.
const PerItemParallel = 4

// ForEach calls f(0..n-1) with at most limit calls in flight and returns their errors
// joined.
func ForEach(ctx context.Context, n, limit int, f func(i int) error) error {
	if n == 0 {
		return nil
	}
	sem := make(chan struct{}, limit)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		if err := ctx.Err(); err != nil {
			errs[i] = err
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = f(i)
		}(i)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Batches splits s into runs of at most n.
func Batches(s []string, n int) [][]string {
	var out [][]string
	for len(s) > 0 {
		k := min(n, len(s))
		out = append(out, s[:k])
		s = s[k:]
	}
	return out
}

// ARNs are the tagged resources' ARNs.
func ARNs(ts []Tagged) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ARN.String()
	}
	return out
}

// Attrs builds an item's attribute map from key, value pairs, leaving out empty values.
func Attrs(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			m[kv[i]] = kv[i+1]
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// Kept are the non-nil items, in order (a describe that fills one slot per resource
// leaves nil where the resource was gone).
func Kept(items []*Item) []Item {
	var out []Item
	for _, it := range items {
		if it != nil {
			out = append(out, *it)
		}
	}
	return out
}
