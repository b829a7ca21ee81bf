// Package imagebuild makes the images berth deploys, in Go, without Docker:
//
//   - Append adds the AWS Lambda Web Adapter extension to an image as one layer
//     (/opt/extensions/lambda-adapter), keeping the image's entrypoint, command and
//     environment, so a plain web-server image runs on Lambda. It is skipped for images
//     that already have the adapter, and pushing uploads only the new layer, the new
//     config and the manifest: the other layers are already in (or mounted into) the
//     target repository.
//   - FetchAdapter reads the adapter binary from its pinned public image
//     (AdapterImage), for one architecture.
//   - LocalBuilder stands in for AWS CodeBuild in the local runtime: it pushes a small
//     deterministic image for a source archive to a registry on loopback.
//
// Everything written is deterministic (fixed timestamps, sorted entries), so the same
// inputs give the same digest and a repeated call changes nothing.
package imagebuild
