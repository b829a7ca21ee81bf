package localrun

import (
	"context"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/iamcheck"
)

// A deployment checked against template.yaml as recorded, then against the template with
// one statement removed: the check must fail naming the function, the action and the
// resource, and say what to add.
func TestRemovingAStatementTheCodeNeedsFromTheTemplateFailsTheRunNamingIt(t *testing.T) {
	s := newSession(t)
	wantStatus(t, deploy(t, s, "v2-all-lambda.yml", ""), "SUCCEEDED")
	calls := s.Calls()
	if len(calls) == 0 {
		t.Fatal("no AWS call was logged: the handlers' calls are not being recorded")
	}
	if errs := s.IAMChecker().Check(calls); len(errs) != 0 {
		t.Fatalf("the full template denied calls: %v", errs)
	}
	t.Logf("%d AWS calls checked against template.yaml: %d distinct function/action pairs", len(calls), len(s.IAMChecker().Summary(calls)))
	for _, tt := range []struct{ policy, sid, function, action, resource string }{
		{"ComputeApplyPolicy", "CreateTaggedFunctions", "berth-compute", "lambda:CreateFunction", ":function:berth-"},
		{"CdnApplyPolicy", "TagEdgeResourcesOnCreate", "berth-cdn", "cloudfront:TagResource", ":key-value-store/"},
		{"CdnApplyPolicy", "WriteRoutes", "berth-cdn", "cloudfront-keyvaluestore:UpdateKeys", ":key-value-store/"},
		{"ValidateFunctionRole/validate", "ReadConfigs", "berth-validate", "s3:GetObject", "arn:aws:s3:::berth-config/"},
	} {
		t.Run(tt.sid, func(t *testing.T) {
			errs := s.IAMChecker().Without(tt.policy, tt.sid).Check(calls)
			found := false
			for _, err := range errs {
				var msg = err.Error()
				if _, ok := err.(*iamcheck.Denied); ok && strings.HasPrefix(msg, tt.function+":") &&
					strings.Contains(msg, tt.action) && strings.Contains(msg, tt.resource) && strings.Contains(msg, "add to the function's role") {
					found = true
				}
			}
			if !found {
				t.Errorf("without %s %s: %v; want a denial of %s %s on %s", tt.policy, tt.sid, errs, tt.function, tt.action, tt.resource)
			}
		})
	}
}

// Under the emulator's enforcement each handler calls as its own role: with one action
// taken out of the compute function's role in the emulator, the deployment fails with
// AccessDenied naming that action and the compute role.
func TestAnActionMissingFromAFunctionsRoleInTheEmulatorFailsTheDeploymentWithAccessDenied(t *testing.T) {
	s := newSession(t)
	if err := s.emu.revoke(context.Background(), FunctionName("Compute"), "lambda:CreateFunction"); err != nil {
		t.Fatal(err)
	}
	r := deploy(t, s, "v2-all-lambda.yml", "")
	if r.Status == "SUCCEEDED" {
		t.Fatal("the deployment succeeded without lambda:CreateFunction")
	}
	for _, want := range []string{"AccessDenied", "lambda:CreateFunction", "assumed-role/berth-ComputeFunctionRole/berth-compute"} {
		if !strings.Contains(r.Error, want) {
			t.Errorf("error %q does not contain %q", r.Error, want)
		}
	}
}
