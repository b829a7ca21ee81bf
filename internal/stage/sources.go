package stage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/srcpkg"
)

// MetadataSources is the config object's metadata entry naming its source manifest.
const MetadataSources = "berth-sources"

// MetadataSourceHash is the optional metadata of a dropped archive: srcpkg's hash of it.
const MetadataSourceHash = "berth-source-hash"

// sourcesPrefix holds every packed source in the artifacts bucket.
const sourcesPrefix = "sources/"

// SourceKey is where the archive of container's src with hash lives in the artifacts bucket.
func SourceKey(app, stage, container, hash string) string {
	return sourcesPrefix + app + "/" + stage + "/" + container + "/" + hash + ".tar.gz"
}

// ManifestKey is where the manifest whose bytes hash to hash lives in the artifacts bucket.
func ManifestKey(app, stage, hash string) string {
	return sourcesPrefix + app + "/" + stage + "/manifests/" + hash + ".json"
}

// DropKey is where a user drops a source archive in the config bucket (the S3 drop).
func DropKey(app, stage, container string) string {
	return app + "/" + stage + "/src/" + container + ".tar.gz"
}

// Manifest is the source manifest a config names: each src container's archive hash.
type Manifest struct {
	Sources map[string]string `json:"sources"`
}

// NeedsSource says whether the deployment builds c from its src: it names no image.
func NeedsSource(c config.Container) bool { return c.Image == "" && c.Src != "" }

// SourceError is a source that cannot be packed or found: Key is the config key
// (containers.<name>.src), Message says what is wrong and the fix.
type SourceError struct {
	Key, Message string
}

func (e *SourceError) Error() string { return e.Key + ": " + e.Message }

// SourceS3API is the part of the S3 client the sources use; *s3.Client satisfies it.
type SourceS3API interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// SourceStore is where containers' sources live: the artifacts bucket (packed by berth)
// and the config bucket (the S3 drop). Three ways in:
//
//   - The CLI (berth deploy, berth local run: Upload) packs each src with srcpkg and puts
//     the archive in the artifacts bucket at SourceKey, named by its content hash, so an
//     unchanged tree is the same key and is not uploaded again. It then writes a manifest
//     ({container: hash}) at ManifestKey, itself named by the hash of its bytes, and upload
//     the config with one metadata entry, MetadataSources, holding the manifest's key. One
//     short entry fits any number of containers (S3 user metadata is limited to 2 KB:
//     docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html), and a config
//     version always names the exact archives it was uploaded with, so two concurrent
//     uploads cannot mix each other's sources.
//   - The S3 drop: a user without the CLI puts <app>/<stage>/src/<container>.tar.gz
//     (DropKey) beside the config in the config bucket, then the config. Resolve pins the
//     archive's newest version by VersionId; its hash is its MetadataSourceHash metadata
//     when set (srcpkg's hash), else its ETag, which differs whenever the object's bytes
//     differ (docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html: "the ETag reflects
//     changes only to the contents of an object").
//   - The API (Prepare): a client packs with srcpkg, posts hashes and sizes, PUTs each
//     archive not stored yet to a presigned URL, and names the manifest when it posts the
//     config.
//
// A manifest entry wins over a dropped archive for the same container. The workflow
// resolves a config version's sources with ResolveConfig.
type SourceStore struct {
	Client          SourceS3API
	ConfigBucket    string
	ArtifactsBucket string
	// Presign presigns the API's source uploads (Prepare); the other doors leave it nil.
	Presign SourcePresigner
}

// Packed is one container's source as Upload handled it.
type Packed struct {
	Container string
	Dir       string // the src directory packed
	Key       string // its key in the artifacts bucket
	Archive   srcpkg.Archive
	// Uploaded is false when the artifacts bucket already held the archive.
	Uploaded bool
}

// Upload packs the src of every container NeedsSource (relative to dir, the config
// file's directory), uploads each archive the artifacts bucket does not hold yet, then the
// manifest, and returns the manifest's key: the value of the config's MetadataSources ("" when
// no container builds from src). Nothing is uploaded when any src has a problem.
func (s SourceStore) Upload(ctx context.Context, cfg *config.Config, dir, app, stage string) (string, []Packed, error) {
	tmp, err := os.MkdirTemp("", "berth-src-")
	if err != nil {
		return "", nil, err
	}
	defer os.RemoveAll(tmp)
	var packed []Packed
	var files []string
	for _, c := range cfg.Containers {
		if !NeedsSource(c) {
			continue
		}
		p, file, err := pack(c, dir, tmp)
		if err != nil {
			return "", nil, err
		}
		p.Key = SourceKey(app, stage, c.Name, p.Archive.Hash)
		packed, files = append(packed, p), append(files, file)
	}
	if len(packed) == 0 {
		return "", nil, nil
	}
	m := Manifest{Sources: map[string]string{}}
	for _, p := range packed {
		m.Sources[p.Container] = p.Archive.Hash
	}
	// The archives go up in parallel (each is a HeadObject, then a PutObject when missing);
	// the manifest goes last, so a config never names an archive that is not there.
	errs := make([]error, len(packed))
	var wg sync.WaitGroup
	sem := make(chan struct{}, uploadConcurrency)
	for i := range packed {
		wg.Add(1)
		sem <- struct{}{}
		go func(p *Packed, file string, err *error) {
			defer func() { <-sem; wg.Done() }()
			if p.Uploaded, *err = s.putFileOnce(ctx, p.Key, file, p.Archive.Hash); *err != nil {
				*err = fmt.Errorf("containers.%s.src: upload s3://%s/%s: %w", p.Container, s.ArtifactsBucket, p.Key, *err)
			}
		}(&packed[i], files[i], &errs[i])
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return "", nil, err
	}
	key, err := s.PutManifest(ctx, app, stage, m)
	return key, packed, err
}

// uploadConcurrency bounds the archives uploaded at once.
const uploadConcurrency = 8

// PutManifest stores m under the hash of its bytes (unless already there) and returns its
// key, the value of a config's MetadataSources.
func (s SourceStore) PutManifest(ctx context.Context, app, stage string, m Manifest) (string, error) {
	body, _ := json.Marshal(m) // map keys are sorted: the same sources, the same bytes
	sum := sha256.Sum256(body)
	key := ManifestKey(app, stage, hex.EncodeToString(sum[:]))
	if found, err := s.exists(ctx, key); err != nil || found {
		return key, err
	}
	_, err := s.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.ArtifactsBucket), Key: aws.String(key),
		Body: strings.NewReader(string(body)), ContentLength: aws.Int64(int64(len(body))), ContentType: aws.String("application/json")})
	if err != nil {
		return "", fmt.Errorf("upload s3://%s/%s: %w", s.ArtifactsBucket, key, err)
	}
	return key, nil
}

// SrcDir is where container c's src is on disk, for a config file in dir.
func SrcDir(c config.Container, dir string) string {
	if filepath.IsAbs(c.Src) {
		return filepath.Clean(c.Src)
	}
	return filepath.Join(dir, filepath.FromSlash(c.Src))
}

// CheckSrc says whether every src Upload would pack is a directory, without packing: the
// CLI checks it before it looks for the installation.
func CheckSrc(cfg *config.Config, dir string) error {
	for _, c := range cfg.Containers {
		if NeedsSource(c) {
			if _, err := srcDirOf(c, dir); err != nil {
				return err
			}
		}
	}
	return nil
}

// srcDirOf is c's src directory, or a SourceError saying why it is not one.
func srcDirOf(c config.Container, dir string) (string, error) {
	key := "containers." + c.Name + ".src"
	src := SrcDir(c, dir)
	info, err := os.Stat(src)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", &SourceError{Key: key, Message: fmt.Sprintf("%s does not exist: src is relative to the config file's directory (%s); fix the path, or set containers.%s.image to a prebuilt image", src, dir, c.Name)}
	case err != nil:
		return "", &SourceError{Key: key, Message: err.Error()}
	case !info.IsDir():
		return "", &SourceError{Key: key, Message: fmt.Sprintf("%s is not a directory: src names the directory holding the app (with its Dockerfile, or the files a buildpack detects)", src)}
	}
	return src, nil
}

// pack packs c's src into tmp.
func pack(c config.Container, dir, tmp string) (Packed, string, error) {
	src, err := srcDirOf(c, dir)
	if err != nil {
		return Packed{}, "", err
	}
	a, file, err := srcpkg.WriteFile(src, tmp, srcpkg.Options{Key: "containers." + c.Name + ".src"})
	if err != nil {
		return Packed{}, "", err // srcpkg's errors name the key, the path and the fix
	}
	return Packed{Container: c.Name, Dir: src, Archive: a}, file, nil
}

// putFileOnce uploads file at key in the artifacts bucket unless an object is there: keys
// are content hashes, so an object at the key is this archive. It reports whether it
// uploaded.
func (s SourceStore) putFileOnce(ctx context.Context, key, file, hash string) (bool, error) {
	if found, err := s.exists(ctx, key); err != nil || found {
		return false, err
	}
	f, err := os.Open(file)
	if err != nil {
		return false, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return false, err
	}
	_, err = s.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.ArtifactsBucket), Key: aws.String(key),
		Body: f, ContentLength: aws.Int64(info.Size()), ContentType: aws.String("application/gzip"),
		Metadata: map[string]string{MetadataSourceHash: hash}})
	return err == nil, err
}

// exists is a HeadObject in the artifacts bucket. A missing key is 404 NotFound when the
// caller may list the bucket (403 otherwise):
// docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html.
func (s SourceStore) exists(ctx context.Context, key string) (bool, error) {
	_, err := s.head(ctx, s.ArtifactsBucket, key, "")
	if isNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

func (s SourceStore) head(ctx context.Context, bucket, key, version string) (*s3.HeadObjectOutput, error) {
	in := &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if version != "" {
		in.VersionId = aws.String(version)
	}
	return s.Client.HeadObject(ctx, in)
}

func isNotFound(err error) bool {
	var nf *s3types.NotFound
	var nk *s3types.NoSuchKey
	return errors.As(err, &nf) || errors.As(err, &nk)
}

// hashPattern is srcpkg's hash: hex sha256.
var hashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// maxManifestBytes bounds a manifest read (150 containers are ~12 KB).
const maxManifestBytes = 1 << 20

// ResolveConfig finds the source of every container of cfg that NeedsSource, for the
// config object at configKey/configVersion in the config bucket: from the manifest its
// MetadataSources names, else from the S3 drop (see Resolve).
func (s SourceStore) ResolveConfig(ctx context.Context, cfg *config.Config, app, stage, configKey, configVersion string) (map[string]plan.Source, error) {
	if !AnyNeedsSource(cfg) {
		return nil, nil
	}
	head, err := s.head(ctx, s.ConfigBucket, configKey, configVersion)
	if err != nil {
		return nil, fmt.Errorf("reading s3://%s/%s: %w", s.ConfigBucket, configKey, err)
	}
	return s.Resolve(ctx, cfg, app, stage, head.Metadata[MetadataSources])
}

// Resolve finds the source of every container of cfg that NeedsSource: its entry in the
// manifest at manifestKey ("" for none), else its S3 drop. A container with neither is a
// SourceError naming both ways to provide it.
func (s SourceStore) Resolve(ctx context.Context, cfg *config.Config, app, stage, manifestKey string) (map[string]plan.Source, error) {
	if !AnyNeedsSource(cfg) {
		return nil, nil
	}
	m, err := s.manifest(ctx, app, stage, manifestKey)
	if err != nil {
		return nil, err
	}
	out := map[string]plan.Source{}
	for _, c := range cfg.Containers {
		if !NeedsSource(c) {
			continue
		}
		src, err := s.resolveOne(ctx, m, app, stage, c.Name)
		if err != nil {
			return nil, err
		}
		out[c.Name] = src
	}
	return out, nil
}

// AnyNeedsSource says whether some container of cfg NeedsSource.
func AnyNeedsSource(cfg *config.Config) bool {
	for _, c := range cfg.Containers {
		if NeedsSource(c) {
			return true
		}
	}
	return false
}

func (s SourceStore) resolveOne(ctx context.Context, m Manifest, app, stage, name string) (plan.Source, error) {
	key := "containers." + name + ".src"
	if hash, ok := m.Sources[name]; ok {
		src := plan.Source{Bucket: s.ArtifactsBucket, Key: SourceKey(app, stage, name, hash), Hash: hash}
		found, err := s.exists(ctx, src.Key)
		if err != nil {
			return plan.Source{}, fmt.Errorf("%s: reading s3://%s/%s: %w", key, src.Bucket, src.Key, err)
		}
		if !found {
			return plan.Source{}, &SourceError{Key: key, Message: fmt.Sprintf("the config's source manifest names s3://%s/%s, which is missing: deploy again with berth deploy, which uploads it", src.Bucket, src.Key)}
		}
		return src, nil
	}
	drop := DropKey(app, stage, name)
	head, err := s.head(ctx, s.ConfigBucket, drop, "")
	if isNotFound(err) {
		return plan.Source{}, &SourceError{Key: key, Message: fmt.Sprintf("no source archive for container %s: deploy with berth deploy -f FILE, which packs and uploads src, or upload a .tar.gz of it to s3://%s/%s before the config", name, s.ConfigBucket, drop)}
	}
	if err != nil {
		return plan.Source{}, fmt.Errorf("%s: reading s3://%s/%s: %w", key, s.ConfigBucket, drop, err)
	}
	hash := head.Metadata[MetadataSourceHash]
	if !hashPattern.MatchString(hash) {
		hash = strings.Trim(aws.ToString(head.ETag), `"`)
	}
	return plan.Source{Bucket: s.ConfigBucket, Key: drop, VersionID: aws.ToString(head.VersionId), Hash: hash}, nil
}

// manifest reads the manifest at key ("" is the empty manifest). Only this stage's
// manifests are read: a config cannot borrow another app's sources.
func (s SourceStore) manifest(ctx context.Context, app, stage, key string) (Manifest, error) {
	m := Manifest{}
	if key == "" {
		return m, nil
	}
	dir := path.Dir(ManifestKey(app, stage, "x")) + "/"
	if !strings.HasPrefix(key, dir) || strings.Contains(key, "..") {
		return m, &SourceError{Key: "metadata " + MetadataSources, Message: fmt.Sprintf("%q is not a source manifest of %s/%s (under %s): upload the config with berth deploy, or drop the metadata", key, app, stage, dir)}
	}
	out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.ArtifactsBucket), Key: aws.String(key)})
	if isNotFound(err) {
		return m, &SourceError{Key: "metadata " + MetadataSources, Message: fmt.Sprintf("the source manifest s3://%s/%s is missing: deploy again with berth deploy", s.ArtifactsBucket, key)}
	}
	if err != nil {
		return m, fmt.Errorf("reading s3://%s/%s: %w", s.ArtifactsBucket, key, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, maxManifestBytes))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return m, &SourceError{Key: "metadata " + MetadataSources, Message: fmt.Sprintf("s3://%s/%s is not a source manifest: %v", s.ArtifactsBucket, key, err)}
	}
	for name, hash := range m.Sources {
		if !hashPattern.MatchString(hash) {
			return Manifest{}, &SourceError{Key: "containers." + name + ".src", Message: fmt.Sprintf("s3://%s/%s names %q, which is not a source hash: deploy again with berth deploy", s.ArtifactsBucket, key, hash)}
		}
	}
	return m, nil
}

// SourceRef is a source an API client packed with srcpkg and means to upload.
type SourceRef struct {
	Hash string `json:"hash"` // srcpkg's hash of the archive
	Size int64  `json:"size"` // the archive's bytes
}

// SourceUpload is one archive the client must PUT before it posts the deployment: the
// presigned request, whose Headers must be sent as given (they are signed).
type SourceUpload struct {
	Container string            `json:"container"`
	Hash      string            `json:"hash"`
	Key       string            `json:"key"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
}

// PreparedSources is the answer to an API client's sources: the manifest to name when
// posting the deployment, and the uploads still to do (none when every archive is there).
type PreparedSources struct {
	Manifest string         `json:"manifest"`
	Uploads  []SourceUpload `json:"uploads"`
}

// SourcePresigner presigns uploads; *s3.PresignClient satisfies it.
type SourcePresigner interface {
	PresignPutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

// UploadExpiry is how long a presigned source upload is valid.
const UploadExpiry = time.Hour

// MaxSourcesPerRequest bounds one API request's sources (a config's containers fit).
const MaxSourcesPerRequest = 500

// Prepare stores the manifest of refs (container → archive) and presigns an upload for
// each archive the artifacts bucket does not hold yet: the API's way in, for clients that
// pack with srcpkg themselves (an API request cannot carry archives of up to
// srcpkg.DefaultMaxBytes). Bad refs are a SourceError and nothing is stored.
func (s SourceStore) Prepare(ctx context.Context, app, stage string, refs map[string]SourceRef) (PreparedSources, error) {
	if len(refs) == 0 || len(refs) > MaxSourcesPerRequest {
		return PreparedSources{}, &SourceError{Key: "sources", Message: fmt.Sprintf("name 1 to %d containers, each with the hash and size of its srcpkg archive", MaxSourcesPerRequest)}
	}
	names := make([]string, 0, len(refs))
	for name, r := range refs {
		key := "sources." + name
		switch {
		case config.ContainerNameProblem(name) != "":
			return PreparedSources{}, &SourceError{Key: key, Message: "container name " + config.ContainerNameProblem(name)}
		case !hashPattern.MatchString(r.Hash):
			return PreparedSources{}, &SourceError{Key: key + ".hash", Message: "want srcpkg's hash of the archive: 64 lowercase hex digits (sha256 of its tar stream)"}
		case r.Size <= 0 || r.Size > srcpkg.DefaultMaxBytes:
			return PreparedSources{}, &SourceError{Key: key + ".size", Message: fmt.Sprintf("want the archive's size in bytes, 1 to %d (%d MiB): list dependency and build directories in %s", srcpkg.DefaultMaxBytes, srcpkg.DefaultMaxBytes>>20, srcpkg.IgnoreFile)}
		}
		names = append(names, name)
	}
	slices.Sort(names)
	m := Manifest{Sources: map[string]string{}}
	out := PreparedSources{Uploads: []SourceUpload{}}
	for _, name := range names {
		r := refs[name]
		m.Sources[name] = r.Hash
		key := SourceKey(app, stage, name, r.Hash)
		found, err := s.exists(ctx, key)
		if err != nil {
			return PreparedSources{}, fmt.Errorf("reading s3://%s/%s: %w", s.ArtifactsBucket, key, err)
		}
		if found {
			continue
		}
		req, err := s.Presign.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.ArtifactsBucket), Key: aws.String(key),
			ContentLength: aws.Int64(r.Size), ContentType: aws.String("application/gzip"), Metadata: map[string]string{MetadataSourceHash: r.Hash}},
			s3.WithPresignExpires(UploadExpiry))
		if err != nil {
			return PreparedSources{}, err
		}
		u := SourceUpload{Container: name, Hash: r.Hash, Key: key, Method: req.Method, URL: req.URL, Headers: map[string]string{}}
		for h, v := range req.SignedHeader {
			if !strings.EqualFold(h, "host") {
				u.Headers[h] = strings.Join(v, ",")
			}
		}
		out.Uploads = append(out.Uploads, u)
	}
	var err error
	out.Manifest, err = s.PutManifest(ctx, app, stage, m)
	return out, err
}
