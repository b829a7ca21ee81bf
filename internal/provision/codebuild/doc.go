// Package codebuild builds container images in the account with AWS CodeBuild:
//
//   - Project provisions KindProject, the build project berth owns for one region and
//     architecture (shared by every app of the installation, so its env is the
//     installation's): privileged (Docker runs inside it), no source of its own (each
//     build downloads its source archive from S3, because CodeBuild's S3 source takes
//     only ZIP files or folders, docs.aws.amazon.com/codebuild/latest/APIReference/
//     API_ProjectSource.html), and the buildspec in buildspec.go.
//   - Builder is the deploy workflow's build step: Start skips the build when the
//     repository already holds an image tagged with the source hash, else starts one;
//     Observe reports progress, the image digest once the build succeeded, or a
//     *BuildFailedError carrying the tail of the build log and a link to it.
package codebuild
