package iam

import "testing"

func TestTrustPoliciesNameTheServicesTheyTrust(t *testing.T) {
	cases := []struct{ sentence, doc, want string }{
		{"a URL-encoded document as IAM returns it is decoded",
			"%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D", "lambda.amazonaws.com"},
		{"several services are sorted and deduplicated",
			`{"Statement":[{"Principal":{"Service":["ecs-tasks.amazonaws.com","edgelambda.amazonaws.com"]}},{"Principal":{"Service":"ecs-tasks.amazonaws.com"}}]}`, "ecs-tasks.amazonaws.com,edgelambda.amazonaws.com"},
		{"account principals are not services", `{"Statement":{"Principal":{"AWS":"arn:aws:iam::1:root"}}}`, ""},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			if got := servicePrincipals(c.doc); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
