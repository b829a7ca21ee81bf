package srcpkg

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// DefaultMaxBytes bounds the tar stream of one source archive (512 MiB).
const DefaultMaxBytes int64 = 512 << 20

// Dockerfile is the file whose presence at the root of src selects `docker build`.
const Dockerfile = "Dockerfile"

// epoch is every entry's mtime (see the package doc for why 2000).
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Options tune Pack.
type Options struct {
	// MaxBytes caps the tar stream; 0 means DefaultMaxBytes.
	MaxBytes int64
	// Key is the config key path of src ("containers.api.src"), named in errors.
	Key string
}

// Archive describes a packed source tree.
type Archive struct {
	// Hash is the hex sha256 of the uncompressed tar stream: the source's identity.
	Hash string `json:"hash"`
	// Size is the number of compressed bytes written.
	Size int64 `json:"size"`
	// Files counts regular files and symlinks in the archive.
	Files int `json:"files"`
	// Dockerfile is true when src has a Dockerfile at its root (docker build); false
	// means Cloud Native Buildpacks.
	Dockerfile bool `json:"dockerfile"`
}

// Name is the archive's file name: its content hash.
func (a Archive) Name() string { return a.Hash + ".tar.gz" }

// TooLargeError: the source tree is over the cap.
type TooLargeError struct {
	Key, Dir string
	Limit    int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s: source %s is over the %d MiB source archive limit: list build outputs, dependency directories and VCS data (node_modules, .git, dist, ...) in %s at the root of %s",
		e.Key, e.Dir, e.Limit>>20, IgnoreFile, e.Dir)
}

// FileError: something in src cannot go into a source archive.
type FileError struct {
	Key, Path, Problem string
}

func (e *FileError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.Key, e.Path, e.Problem)
}

// entry is one path to archive.
type entry struct {
	rel  string // /-separated, relative to src
	abs  string
	info fs.FileInfo
	link string // symlink target
}

// Pack writes the deterministic archive of dir to w and describes it. Nothing is written
// when dir has a problem the walk finds (a bad .dockerignore, a special file, over the cap
// by its file sizes).
func Pack(dir string, w io.Writer, opts Options) (Archive, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	entries, err := collect(dir, opts)
	if err != nil {
		return Archive{}, err
	}
	sum := sha256.New()
	out := &countWriter{w: w}
	gz, _ := gzip.NewWriterLevel(out, gzip.DefaultCompression) // the level is valid
	capped := &capWriter{w: io.MultiWriter(sum, gz), left: opts.MaxBytes}
	tw := tar.NewWriter(capped)
	a := Archive{}
	for _, e := range entries {
		if err := writeEntry(tw, e); err != nil {
			if capped.over {
				return Archive{}, &TooLargeError{Key: opts.Key, Dir: dir, Limit: opts.MaxBytes}
			}
			return Archive{}, &FileError{Key: opts.Key, Path: e.abs, Problem: err.Error()}
		}
		if !e.info.IsDir() {
			a.Files++
		}
		if e.rel == Dockerfile && e.info.Mode().IsRegular() {
			a.Dockerfile = true
		}
	}
	if err := tw.Close(); err != nil {
		return Archive{}, &FileError{Key: opts.Key, Path: dir, Problem: err.Error()}
	}
	if err := gz.Close(); err != nil {
		return Archive{}, &FileError{Key: opts.Key, Path: dir, Problem: err.Error()}
	}
	a.Hash = hex.EncodeToString(sum.Sum(nil))
	a.Size = out.n
	return a, nil
}

// WriteFile packs dir into destDir/<hash>.tar.gz (written to a temporary file first and
// renamed, so a finished name always holds a whole archive) and returns its path.
func WriteFile(dir, destDir string, opts Options) (Archive, string, error) {
	tmp, err := os.CreateTemp(destDir, ".srcpkg-*")
	if err != nil {
		return Archive{}, "", err
	}
	defer os.Remove(tmp.Name())
	a, err := Pack(dir, tmp, opts)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Archive{}, "", err
	}
	dest := filepath.Join(destDir, a.Name())
	return a, dest, os.Rename(tmp.Name(), dest)
}

// collect walks dir and returns the entries to archive, sorted by path.
func collect(dir string, opts Options) ([]entry, error) {
	ig, err := readIgnore(dir, opts)
	if err != nil {
		return nil, err
	}
	var (
		entries []entry
		total   int64
	)
	err = filepath.WalkDir(dir, func(abs string, d fs.DirEntry, werr error) error {
		if werr != nil {
			return &FileError{Key: opts.Key, Path: abs, Problem: werr.Error()}
		}
		rel, err := filepath.Rel(dir, abs)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if ig.Excluded(rel) && rel != Dockerfile && rel != IgnoreFile {
			if d.IsDir() && !ig.HasExceptions() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return &FileError{Key: opts.Key, Path: abs, Problem: err.Error()}
		}
		e := entry{rel: rel, abs: abs, info: info}
		switch mode := info.Mode(); {
		case mode.IsDir(), mode.IsRegular():
		case mode&fs.ModeSymlink != 0:
			if e.link, err = os.Readlink(abs); err != nil {
				return &FileError{Key: opts.Key, Path: abs, Problem: err.Error()}
			}
		default:
			return &FileError{Key: opts.Key, Path: abs, Problem: fmt.Sprintf("a %s cannot go into a source archive: list it in %s", mode.Type(), IgnoreFile)}
		}
		total += info.Size()
		if total > opts.MaxBytes {
			return &TooLargeError{Key: opts.Key, Dir: dir, Limit: opts.MaxBytes}
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].rel < entries[j].rel })
	return entries, nil
}

func readIgnore(dir string, opts Options) (*Ignore, error) {
	f, err := os.Open(filepath.Join(dir, IgnoreFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &FileError{Key: opts.Key, Path: dir, Problem: err.Error()}
	}
	defer f.Close()
	ig, err := ParseIgnore(f)
	if err != nil {
		return nil, &FileError{Key: opts.Key, Path: filepath.Join(dir, IgnoreFile), Problem: err.Error()}
	}
	return ig, nil
}

// header is e's normalized tar header.
func header(e entry) *tar.Header {
	h := &tar.Header{Name: e.rel, ModTime: epoch, Format: tar.FormatPAX}
	mode := e.info.Mode()
	switch {
	case mode.IsDir():
		h.Typeflag, h.Name, h.Mode = tar.TypeDir, e.rel+"/", 0o755
	case mode&fs.ModeSymlink != 0:
		h.Typeflag, h.Linkname, h.Mode = tar.TypeSymlink, e.link, 0o777
	default:
		h.Typeflag, h.Size, h.Mode = tar.TypeReg, e.info.Size(), 0o644
		if mode&0o111 != 0 {
			h.Mode = 0o755
		}
	}
	return h
}

func writeEntry(tw *tar.Writer, e entry) error {
	h := header(e)
	if err := tw.WriteHeader(h); err != nil || h.Typeflag != tar.TypeReg {
		return err
	}
	f, err := os.Open(e.abs)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.Copy(tw, f)
	if err == nil && n != h.Size {
		err = fmt.Errorf("file changed size while being packed (%d bytes, then %d)", h.Size, n)
	}
	return err
}

// countWriter counts bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// capWriter refuses writes past its budget.
type capWriter struct {
	w    io.Writer
	left int64
	over bool
}

func (c *capWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > c.left {
		c.over = true
		return 0, errors.New("source archive limit reached")
	}
	c.left -= int64(len(p))
	return c.w.Write(p)
}
