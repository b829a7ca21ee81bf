package plan

// Source is a container's packaged `src` in the account: the deterministic archive
// internal/srcpkg made of it, stored under its content hash. The front doors (CLI, API,
// S3 drop) put it there; the workflow's plan step finds it and hands it to Build, which
// plans the image build for it.
type Source struct {
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	VersionID string `json:"versionId,omitempty"` // pins an object a user may overwrite (S3 drop)
	// Hash is srcpkg's content hash of the archive: the image tag, so unchanged source
	// plans no build.
	Hash string `json:"hash"`
}
