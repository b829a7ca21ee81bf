package provision

import "strings"

// Permissions are the IAM actions one kind's provisioner needs, per verb, and the ARN
// patterns they act on. Actions are IAM action names (Service Authorization Reference,
// https://docs.aws.amazon.com/service-authorization/latest/reference/), including the
// ones AWS authorizes implicitly (tag-on-create, iam:PassRole). Every verb may observe
// first, so Create, Update and Delete list only what they add to Observe.
type Permissions struct {
	Observe, Create, Update, Delete []string
	// Resources maps an action, or a service prefix ("lambda"), to the ARN pattern it acts
	// on; the exact action wins. "${Partition}", "${Region}" and "${Account}" stand for the
	// installation's; "*" for actions without resource-level permissions.
	Resources map[string]string
}

// Resource is the ARN pattern action acts on ("" when undeclared).
func (p Permissions) Resource(action string) string {
	if r, ok := p.Resources[action]; ok {
		return r
	}
	svc, _, _ := strings.Cut(action, ":")
	return p.Resources[svc]
}
