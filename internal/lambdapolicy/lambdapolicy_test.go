package lambdapolicy

import (
	"reflect"
	"testing"
)

func TestParseReadsLambdasFormAndMotos(t *testing.T) {
	dist := "arn:aws:cloudfront::123456789012:distribution/E1"
	lambdaForm := `{"Statement":[{"Sid":"i","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com","AWS":["arn:aws:iam::2:root","arn:aws:iam::1:root"]},"Action":"lambda:InvokeFunction",` +
		`"Condition":{"ArnLike":{"AWS:SourceArn":"` + dist + `"},"Bool":{"lambda:InvokedViaFunctionUrl":"true"},"StringEquals":{"lambda:FunctionUrlAuthType":"AWS_IAM"}}}]}`
	motoForm := `{"Statement":{"Sid":"i","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com","AWS":["arn:aws:iam::2:root","arn:aws:iam::1:root"]},"Action":["lambda:InvokeFunction"],` +
		`"FunctionUrlAuthType":"AWS_IAM","InvokedViaFunctionUrl":true,"Condition":{"ArnLike":{"AWS:SourceArn":"` + dist + `"}}}}`
	want := []Statement{{
		Sid: "i", Effect: "Allow",
		Principals:      []string{"AWS:arn:aws:iam::1:root", "AWS:arn:aws:iam::2:root", "Service:cloudfront.amazonaws.com"},
		PrincipalValues: []string{"arn:aws:iam::1:root", "arn:aws:iam::2:root", "cloudfront.amazonaws.com"},
		Actions:         []string{"lambda:InvokeFunction"},
		SourceArns:      []string{dist},
		AuthType:        "AWS_IAM",
		ViaURL:          true,
	}}
	for name, doc := range map[string]string{"lambda": lambdaForm, "moto": motoForm} {
		got, err := Parse(doc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, want)
		}
	}
	if got, err := Parse(`{"Statement":{"Sid":"p","Principal":"*","Action":"x"}}`); err != nil || !reflect.DeepEqual(got[0].Principals, []string{"*"}) || !reflect.DeepEqual(got[0].PrincipalValues, []string{"*"}) {
		t.Errorf("wildcard principal: %+v, %v", got, err)
	}
	if got, err := Parse(" "); got != nil || err != nil {
		t.Errorf("empty document: %v, %v", got, err)
	}
	if _, err := Parse("{"); err == nil {
		t.Error("malformed document parsed")
	}
}
