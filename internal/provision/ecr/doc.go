// Package ecr provisions the private ECR repository that holds one container's images
// (KindRepository): tagged with berth's ownership tags, scanned on push, with a lifecycle
// policy that keeps the last N images plus the one berth deployed last, and a repository
// policy that lets Lambda pull for this app's functions only.
//
// Why the repository policy: Lambda pulls a function's image with its own service
// principal, so the repository must allow lambda.amazonaws.com ecr:BatchGetImage and
// ecr:GetDownloadUrlForLayer (re:Post knowledge center "lambda-ecr-image"). Lambda adds
// that statement itself only when the caller may get and set the repository policy; berth
// sets it here instead, scoped by aws:sourceArn to the app's functions.
//
// Why the lifecycle policy has two rules: ECR lifecycle rules can only expire images, and
// "an image that matches the tagging requirements of a higher priority rule cannot be
// expired by a rule with a lower priority" (docs.aws.amazon.com/AmazonECR/latest/
// userguide/LifecyclePolicies.html, lifecycle policy evaluation rules). Rule 1 selects the
// image tagged LiveTag (only one image can hold a tag), so it is never expired by rule 2,
// which keeps the N most recently pushed images of any tag status. The commit step moves
// LiveTag to the image a deployment runs (MarkLive), so the tag follows what is live.
//
// A repository with berth's name that berth does not own is reported by Observe as
// existing with a single "ownership" diff; Create, Update and Delete refuse it with
// *provision.NotOwnedError.
package ecr
