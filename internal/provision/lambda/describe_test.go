package lambda

import "testing"

func TestPolicyStatementsAreReadInBothForms(t *testing.T) {
	dist := "arn:aws:cloudfront::123456789012:distribution/E1"
	cases := []struct {
		sentence, doc, want string
	}{
		{"Lambda's form keeps the URL auth type and the via-URL flag in conditions",
			`{"Version":"2012-10-17","Statement":[{"Sid":"u","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"lambda:InvokeFunctionUrl","Resource":"x",` +
				`"Condition":{"ArnLike":{"AWS:SourceArn":"` + dist + `"},"StringEquals":{"lambda:FunctionUrlAuthType":"AWS_IAM"}}},` +
				`{"Sid":"i","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"x",` +
				`"Condition":{"ArnLike":{"AWS:SourceArn":"` + dist + `"},"Bool":{"lambda:InvokedViaFunctionUrl":"true"}}}]}`,
			`[{"sid":"i","principal":"cloudfront.amazonaws.com","action":"lambda:InvokeFunction","sourceArn":"` + dist + `","invokedViaFunctionUrl":true},` +
				`{"sid":"u","principal":"cloudfront.amazonaws.com","action":"lambda:InvokeFunctionUrl","sourceArn":"` + dist + `","functionUrlAuthType":"AWS_IAM","invokedViaFunctionUrl":false}]`},
		{"moto's form keeps them as top-level statement keys",
			`{"Statement":[{"Sid":"i","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"lambda:InvokeFunction","InvokedViaFunctionUrl":true,` +
				`"Condition":{"ArnLike":{"AWS:SourceArn":"` + dist + `"}}}]}`,
			`[{"sid":"i","principal":"cloudfront.amazonaws.com","action":"lambda:InvokeFunction","sourceArn":"` + dist + `","invokedViaFunctionUrl":true}]`},
		{"a public grant shows its wildcard principal and lists of actions",
			`{"Statement":{"Sid":"p","Effect":"Allow","Principal":"*","Action":["lambda:InvokeFunctionUrl","lambda:InvokeFunction"]}}`,
			`[{"sid":"p","principal":"*","action":"lambda:InvokeFunctionUrl,lambda:InvokeFunction","invokedViaFunctionUrl":false}]`},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			stmts, err := listedStatements(c.doc)
			if err != nil {
				t.Fatal(err)
			}
			it := policyItem("fn", "arn", stmts)
			if got := it.Attributes["statements"]; got != c.want {
				t.Errorf("statements:\n got %s\nwant %s", got, c.want)
			}
		})
	}
	t.Run("principals are the distinct principals of every statement", func(t *testing.T) {
		stmts, _ := listedStatements(`{"Statement":[{"Sid":"a","Principal":{"AWS":["arn:aws:iam::1:root","arn:aws:iam::2:root"]},"Action":"x"},{"Sid":"b","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"x"},{"Sid":"c","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"x"}]}`)
		if got, want := policyItem("fn", "arn", stmts).Attributes["principals"], "arn:aws:iam::1:root,arn:aws:iam::2:root,cloudfront.amazonaws.com"; got != want {
			t.Errorf("principals = %q, want %q", got, want)
		}
	})
	t.Run("a malformed policy is an error, not an empty list", func(t *testing.T) {
		if _, err := listedStatements("{"); err == nil {
			t.Error("no error")
		}
	})
}
