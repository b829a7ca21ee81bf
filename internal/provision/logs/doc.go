// Package logs provisions CloudWatch Logs log groups (plan.KindLogGroup): created with
// their retention and berth's ownership tags, retention reconciled on update (0 days
// means never expire), deleted on removal.
//
// A Lambda function's group is /aws/lambda/<function>, the name Lambda itself writes to.
// Lambda creates that group on its own, untagged, if the function logs before berth
// created it; the plan orders the group before the function so berth's comes first, and
// a group Lambda made is reported as not owned rather than silently adopted.
//
// A resource with berth's name that berth does not own is reported by Observe as existing
// with a single "ownership" diff (never an error); Create, Update and Delete refuse it
// with *provision.NotOwnedError.
package logs
