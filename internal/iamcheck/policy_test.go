package iamcheck

import "testing"

func TestDecideFollowsIAMsEvaluationRules(t *testing.T) {
	tagged := map[string][]string{"aws:RequestTag/berth:app": {"shop"}}
	allowCreate := Statement{Sid: "Create", Effect: "Allow", Action: []string{"lambda:CreateFunction"},
		Resource:  []string{"arn:aws:lambda:eu-west-1:123456789012:function:berth-*"},
		Condition: map[string]map[string][]string{"Null": {"aws:RequestTag/berth:app": {"false"}}}}
	boundary := Statement{Sid: "Boundary", Effect: "Allow", Action: []string{"iam:DeleteRole"}, Resource: []string{"*"},
		Condition: map[string]map[string][]string{"StringEquals": {"iam:PermissionsBoundary": {"arn:b"}}}}
	notEquals := Statement{Sid: "NotEq", Effect: "Allow", Action: []string{"s3:GetObject"}, Resource: []string{"*"},
		Condition: map[string]map[string][]string{"StringNotEquals": {"aws:ResourceTag/berth:app": {"evil"}}}}
	records := Statement{Sid: "Records", Effect: "Allow", Action: []string{"route53:ChangeResourceRecordSets"}, Resource: []string{"*"},
		Condition: map[string]map[string][]string{"ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsRecordTypes": {"A", "AAAA", "CNAME"}}}}
	wildAction := Statement{Sid: "Repl", Effect: "Allow", Action: []string{"lambda:EnableReplication*"},
		Resource: []string{"arn:aws:lambda:us-east-1:123456789012:function:berth-*"}}
	deny := Statement{Sid: "Deny", Effect: "Deny", Action: []string{"*"}, Resource: []string{"*"},
		Condition: map[string]map[string][]string{"Null": {"aws:ResourceTag/berth:app": {"false"}},
			"StringNotEquals": {"aws:ResourceTag/berth:app": {"shop"}}}}
	allowAll := Statement{Sid: "All", Effect: "Allow", Action: []string{"s3:*"}, Resource: []string{"*"}}
	ownParam := Statement{Sid: "Param", Effect: "Allow", Action: []string{"kms:Decrypt"},
		Resource:  []string{"arn:aws:kms:eu-west-1:${aws:PrincipalAccount}:key/*"},
		Condition: map[string]map[string][]string{"StringEquals": {"kms:EncryptionContext:PARAMETER_ARN": {"arn:aws:ssm:eu-west-1:${aws:PrincipalAccount}:parameter/pw"}}}}
	principal := func(account, param string) map[string][]string {
		return map[string][]string{"aws:PrincipalAccount": {account}, "kms:EncryptionContext:PARAMETER_ARN": {param}}
	}
	const key = "arn:aws:kms:eu-west-1:123456789012:key/k"

	tests := []struct {
		name string
		sts  []Statement
		req  Request
		want bool
	}{
		{"a policy variable takes the request's value in resources and conditions", []Statement{ownParam},
			Request{"kms:Decrypt", key, principal("123456789012", "arn:aws:ssm:eu-west-1:123456789012:parameter/pw")}, true},
		{"a policy variable with another value does not match", []Statement{ownParam},
			Request{"kms:Decrypt", key, principal("210987654321", "arn:aws:ssm:eu-west-1:123456789012:parameter/pw")}, false},
		{"a policy variable the request lacks matches nothing", []Statement{ownParam},
			Request{"kms:Decrypt", key, map[string][]string{"kms:EncryptionContext:PARAMETER_ARN": {"arn:aws:ssm:eu-west-1:123456789012:parameter/pw"}}}, false},
		{"a create carrying the ownership tag is allowed", []Statement{allowCreate},
			Request{"lambda:CreateFunction", "arn:aws:lambda:eu-west-1:123456789012:function:berth-shop-api", tagged}, true},
		{"a create without the tag is denied", []Statement{allowCreate},
			Request{"lambda:CreateFunction", "arn:aws:lambda:eu-west-1:123456789012:function:berth-shop-api", nil}, false},
		{"a name outside berth-* is denied", []Statement{allowCreate},
			Request{"lambda:CreateFunction", "arn:aws:lambda:eu-west-1:123456789012:function:other", tagged}, false},
		{"another region is denied", []Statement{allowCreate},
			Request{"lambda:CreateFunction", "arn:aws:lambda:us-east-1:123456789012:function:berth-shop-api", tagged}, false},
		{"another account is denied", []Statement{allowCreate},
			Request{"lambda:CreateFunction", "arn:aws:lambda:eu-west-1:210987654321:function:berth-shop-api", tagged}, false},
		{"actions match case-insensitively", []Statement{allowCreate},
			Request{"Lambda:createfunction", "arn:aws:lambda:eu-west-1:123456789012:function:berth-shop-api", tagged}, true},
		{"a StringEquals on a key the action does not supply never matches", []Statement{boundary},
			Request{"iam:DeleteRole", "arn:aws:iam::123456789012:role/berth-x", nil}, false},
		{"a negated operator holds for an absent key", []Statement{notEquals},
			Request{"s3:GetObject", "arn:aws:s3:::b/k", nil}, true},
		{"a negated operator fails for the excluded value", []Statement{notEquals},
			Request{"s3:GetObject", "arn:aws:s3:::b/k", map[string][]string{"aws:ResourceTag/berth:app": {"evil"}}}, false},
		{"ForAllValues holds when every value is listed", []Statement{records},
			Request{"route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z1", map[string][]string{"route53:ChangeResourceRecordSetsRecordTypes": {"A", "CNAME"}}}, true},
		{"ForAllValues fails for one unlisted value", []Statement{records},
			Request{"route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z1", map[string][]string{"route53:ChangeResourceRecordSetsRecordTypes": {"A", "MX"}}}, false},
		{"an action wildcard covers the versioned action name", []Statement{wildAction},
			Request{"lambda:EnableReplicationV2", "arn:aws:lambda:us-east-1:123456789012:function:berth-shop-signer:3", nil}, true},
		{"a resource wildcard spans slashes", []Statement{allowAll},
			Request{"s3:GetObject", "arn:aws:s3:::b/a/b/c", nil}, true},
		{"an explicit deny beats an allow", []Statement{allowAll, deny},
			Request{"s3:PutObject", "arn:aws:s3:::b/k", map[string][]string{"aws:ResourceTag/berth:app": {"other"}}}, false},
		{"the deny spares the principal's own app", []Statement{allowAll, deny},
			Request{"s3:PutObject", "arn:aws:s3:::b/k", map[string][]string{"aws:ResourceTag/berth:app": {"shop"}}}, true},
		{"nothing matching is the implicit deny", nil,
			Request{"s3:GetObject", "arn:aws:s3:::b/k", nil}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := Decide(tt.sts, tt.req); got != tt.want {
				t.Errorf("Decide(%+v) = %v, want %v", tt.req, got, tt.want)
			}
		})
	}
}
