package iam

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// trustPolicy renders the trust policy letting exactly services assume the role. Only
// AWS service principals are accepted: a wildcard or an account here would let anyone
// (or another account) act as the role.
func trustPolicy(services []string) (string, error) {
	if len(services) == 0 {
		return "", fmt.Errorf("trustServices is empty: a role needs the service that assumes it")
	}
	sorted := slices.Clone(services)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	for _, s := range sorted {
		if !isServicePrincipal(s) {
			return "", fmt.Errorf("trustServices: %q is not an AWS service principal (like lambda.amazonaws.com); berth trusts services only, never wildcards or accounts", s)
		}
	}
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": sorted},
			"Action":    "sts:AssumeRole",
		}},
	}
	b, err := json.Marshal(doc)
	return string(b), err
}

// isServicePrincipal: a service host name such as ecs-tasks.amazonaws.com (or the China
// partition's .amazonaws.com.cn), with no wildcard.
func isServicePrincipal(s string) bool {
	if strings.ContainsAny(s, "*? :/") {
		return false
	}
	host, ok := strings.CutSuffix(s, ".amazonaws.com")
	if !ok {
		host, ok = strings.CutSuffix(s, ".amazonaws.com.cn")
	}
	return ok && host != ""
}

// partition is the ARN partition of a region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// managedArns moves "arn:aws:" ARNs into the partition, sorted and without duplicates.
// ARNs already in another partition are kept as given.
func managedArns(arns []string, part string) []string {
	out := make([]string, 0, len(arns))
	for _, a := range arns {
		if rest, ok := strings.CutPrefix(a, "arn:aws:"); ok {
			a = "arn:" + part + ":" + rest
		}
		out = append(out, a)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// decodeDocument undoes the URL encoding IAM applies to policy documents it returns.
// PathUnescape, not QueryUnescape: a literal "+" in a policy is not a space.
func decodeDocument(doc string) string {
	if !strings.HasPrefix(doc, "%") {
		return doc
	}
	if s, err := url.PathUnescape(doc); err == nil {
		return s
	}
	return doc
}

// normalize re-encodes a JSON document with sorted keys and no spacing, so documents that
// differ only in layout compare equal. A document that is not JSON is returned as is.
func normalize(doc string) string {
	var v any
	if err := json.Unmarshal([]byte(decodeDocument(doc)), &v); err != nil {
		return doc
	}
	b, err := json.Marshal(v)
	if err != nil {
		return doc
	}
	return string(b)
}

// trustedServices lists the principals of a trust policy for a readable diff.
func trustedServices(doc string) string {
	var p struct {
		Statement []struct {
			Principal any `json:"Principal"`
		} `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(decodeDocument(doc)), &p); err != nil {
		return normalize(doc)
	}
	var out []string
	for _, s := range p.Statement {
		out = append(out, principalNames(s.Principal)...)
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// principalNames renders {"Service": [...]} as service names and anything else (an
// account, a wildcard) as Type:value, so foreign principals stand out.
func principalNames(v any) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return []string{fmt.Sprint(v)}
	}
	var out []string
	for typ, vals := range m {
		list, isList := vals.([]any)
		if !isList {
			list = []any{vals}
		}
		for _, val := range list {
			if typ == "Service" {
				out = append(out, fmt.Sprint(val))
			} else {
				out = append(out, typ+":"+fmt.Sprint(val))
			}
		}
	}
	return out
}
