package srcpkg

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tree writes files (path → content; a trailing "*" on the path makes it executable)
// under a new temp dir, with the given mtime and file mode for plain files.
func tree(t *testing.T, files map[string]string, mtime time.Time, plain os.FileMode) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		mode := plain
		if strings.HasSuffix(name, "*") {
			name, mode = strings.TrimSuffix(name, "*"), 0o700
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func pack(t *testing.T, dir string, opts Options) (Archive, []byte) {
	t.Helper()
	var buf bytes.Buffer
	a, err := Pack(dir, &buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	return a, buf.Bytes()
}

// entries lists the archive's tar headers.
func entries(t *testing.T, archive []byte) []*tar.Header {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var hs []*tar.Header
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return hs
		}
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
}

func names(hs []*tar.Header) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Name)
	}
	return out
}

var app = map[string]string{
	"Dockerfile":         "FROM scratch\nCOPY . /app\n",
	"server.js":          "require('http').createServer().listen(8080)\n",
	"bin/start.sh*":      "#!/bin/sh\nexec node server.js\n",
	"lib/util/format.js": "module.exports = x => x\n",
	"package.json":       "{}\n",
}

func TestTheSameTreeGivesTheSameBytesWhereverAndWheneverItIsCheckedOut(t *testing.T) {
	a := tree(t, app, time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC), 0o644)
	b := tree(t, app, time.Now(), 0o600) // another dir, other mtimes, a stricter umask
	if err := os.Mkdir(filepath.Join(b, "empty-later"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(a, "empty-later"), 0o755); err != nil {
		t.Fatal(err)
	}
	arcA, bytesA := pack(t, a, Options{})
	arcB, bytesB := pack(t, b, Options{})
	if !bytes.Equal(bytesA, bytesB) {
		t.Fatalf("archives of the same tree differ: %d vs %d bytes", len(bytesA), len(bytesB))
	}
	if arcA != arcB {
		t.Fatalf("descriptions differ: %+v vs %+v", arcA, arcB)
	}
	if arcA.Files != 5 || !arcA.Dockerfile || arcA.Size != int64(len(bytesA)) {
		t.Fatalf("archive %+v, want 5 files, a Dockerfile and size %d", arcA, len(bytesA))
	}
}

func TestTheHashIsTheSha256OfTheTarStream(t *testing.T) {
	a, archive := pack(t, tree(t, app, time.Now(), 0o644), Options{})
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() {
		t.Fatalf("gzip header carries name %q and mtime %v, want neither", gz.Name, gz.ModTime)
	}
	raw, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if got := hex.EncodeToString(sum[:]); got != a.Hash {
		t.Fatalf("hash %s, sha256 of the tar stream %s", a.Hash, got)
	}
	if a.Name() != a.Hash+".tar.gz" {
		t.Fatalf("name %q", a.Name())
	}
}

func TestHeadersAreNormalized(t *testing.T) {
	_, archive := pack(t, tree(t, app, time.Now(), 0o600), Options{})
	hs := entries(t, archive)
	want := []string{"Dockerfile", "bin/", "bin/start.sh", "lib/", "lib/util/", "lib/util/format.js", "package.json", "server.js"}
	if got := names(hs); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("entries %v, want sorted %v", got, want)
	}
	for _, h := range hs {
		if !h.ModTime.Equal(epoch) || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: mtime %v uid %d gid %d uname %q gname %q", h.Name, h.ModTime, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		want := int64(0o644)
		if h.Typeflag == tar.TypeDir || h.Name == "bin/start.sh" {
			want = 0o755
		}
		if h.Mode != want {
			t.Errorf("%s: mode %o, want %o", h.Name, h.Mode, want)
		}
	}
}

func TestChangingOneThingChangesTheHash(t *testing.T) {
	base, _ := pack(t, tree(t, app, time.Now(), 0o644), Options{})
	tests := []struct {
		name   string
		change func(dir string) error
	}{
		{"one byte of one file", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "server.js"), []byte("require('http').createServer().listen(8081)\n"), 0o644)
		}},
		{"a file's executable bit", func(dir string) error { return os.Chmod(filepath.Join(dir, "package.json"), 0o755) }},
		{"a file renamed", func(dir string) error {
			return os.Rename(filepath.Join(dir, "package.json"), filepath.Join(dir, "package.jsn"))
		}},
		{"an empty directory added", func(dir string) error { return os.Mkdir(filepath.Join(dir, "tmp"), 0o755) }},
		{"a symlink added", func(dir string) error { return os.Symlink("server.js", filepath.Join(dir, "index.js")) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := tree(t, app, time.Now(), 0o644)
			if err := tc.change(dir); err != nil {
				t.Fatal(err)
			}
			if got, _ := pack(t, dir, Options{}); got.Hash == base.Hash {
				t.Fatalf("hash unchanged after %s", tc.name)
			}
		})
	}
}

func TestSymlinksAreKeptAsLinks(t *testing.T) {
	dir := tree(t, app, time.Now(), 0o644)
	if err := os.Symlink("../outside/secret", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	_, archive := pack(t, dir, Options{})
	for _, h := range entries(t, archive) {
		if h.Name == "link" {
			if h.Typeflag != tar.TypeSymlink || h.Linkname != "../outside/secret" || h.Size != 0 {
				t.Fatalf("link entry %+v", h)
			}
			return
		}
	}
	t.Fatal("no entry for the symlink")
}

func TestDockerignore(t *testing.T) {
	files := map[string]string{
		"Dockerfile":                     "FROM scratch\n",
		"README.md":                      "r",
		"README-secret.md":               "s",
		"docs/guide.md":                  "g",
		"main.go":                        "m",
		"node_modules/left-pad/index.js": "l",
		"node_modules/keep/index.js":     "k",
		"pkg/a/b/gen_test.go":            "t",
		"pkg/a/b/real.go":                "r",
		".git/HEAD":                      "h",
		"build/out.bin":                  "o",
		"temp1":                          "x",
		"src/temp.txt":                   "x",
		"src/deep/tempfile":              "x",
		".env":                           "secret",
		"config/.env":                    "secret",
		"logs/2026/app.log":              "l",
		"logs/keep.txt":                  "k",
		"assets/[draft].png":             "d",
		"assets/final.png":               "f",
		"conf.d/x.conf":                  "c",
	}
	tests := []struct {
		name     string
		ignore   string
		excluded []string
		kept     []string
	}{
		{"a name excludes the directory and all below it", "node_modules\n.git\n",
			[]string{"node_modules/left-pad/index.js", "node_modules/keep/index.js", ".git/HEAD"}, []string{"main.go"}},
		{"a later ! line re-includes, the last matching line decides (Docker's example)", "*.md\n!README*.md\nREADME-secret.md\n",
			[]string{"README-secret.md"}, []string{"README.md", "docs/guide.md", "main.go"}},
		{"an earlier exception is overridden by a later exclusion only where it matches", "*.md\nREADME-secret.md\n!README*.md\n",
			nil, []string{"README.md", "README-secret.md"}},
		{"* matches one level only", "*.md\n", []string{"README.md"}, []string{"docs/guide.md"}},
		{"** matches any number of directories, none included", "**/*_test.go\n**/.env\n",
			[]string{"pkg/a/b/gen_test.go", ".env", "config/.env"}, []string{"pkg/a/b/real.go"}},
		{"*/temp* and temp? follow Docker's documented examples", "*/temp*\ntemp?\n",
			[]string{"src/temp.txt", "temp1"}, []string{"src/deep/tempfile"}},
		{"an exception inside an excluded directory is sent", "node_modules\n!node_modules/keep\n",
			[]string{"node_modules/left-pad/index.js"}, []string{"node_modules/keep/index.js"}},
		{"dir/** excludes what is below dir", "logs/**\n!logs/keep.txt\n",
			[]string{"logs/2026/app.log"}, []string{"logs/keep.txt"}},
		{"leading slash, ./ and trailing slash mean the same path", "/build/\n./docs\n",
			[]string{"build/out.bin", "docs/guide.md"}, []string{"main.go"}},
		{"comments and blank lines are skipped; a backslash escapes", "# main.go\n\n   \nassets/\\[draft\\].png\n",
			[]string{"assets/[draft].png"}, []string{"main.go", "assets/final.png"}},
		{"a byte order mark before the first line is not part of the pattern", "\ufeffREADME.md\n", []string{"README.md"}, []string{"main.go"}},
		{"a character class matches one character", "conf.[a-d]\n", []string{"conf.d/x.conf"}, []string{"main.go"}},
		{"everything but an allow-list", "*\n!main.go\n!pkg\n",
			[]string{"README.md", "docs/guide.md", ".git/HEAD"}, []string{"main.go", "pkg/a/b/real.go", "Dockerfile"}},
		{"the Dockerfile and .dockerignore are always sent, as Docker sends them", "Dockerfile\n.dockerignore\n",
			nil, []string{"Dockerfile", ".dockerignore"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := tree(t, files, time.Now(), 0o644)
			if err := os.WriteFile(filepath.Join(dir, IgnoreFile), []byte(tc.ignore), 0o644); err != nil {
				t.Fatal(err)
			}
			_, archive := pack(t, dir, Options{})
			got := map[string]bool{}
			for _, n := range names(entries(t, archive)) {
				got[n] = true
			}
			for _, p := range tc.excluded {
				if got[p] {
					t.Errorf("%s is in the archive, want it ignored", p)
				}
			}
			for _, p := range tc.kept {
				if !got[p] {
					t.Errorf("%s is missing from the archive", p)
				}
			}
		})
	}
}

func TestIgnoringAFileChangesTheHashButIgnoredContentDoesNot(t *testing.T) {
	dir := tree(t, map[string]string{"main.go": "m", "debug.log": "one", ".dockerignore": "*.log\n"}, time.Now(), 0o644)
	before, _ := pack(t, dir, Options{})
	if err := os.WriteFile(filepath.Join(dir, "debug.log"), []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	if after, _ := pack(t, dir, Options{}); after.Hash != before.Hash {
		t.Fatal("changing an ignored file changed the hash")
	}
}

func TestBadInputIsRefusedWithTheKeyAndTheFix(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		opts  Options
		want  []string
	}{
		{"over the size cap", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "big.bin"), bytes.Repeat([]byte{1}, 4096), 0o644); err != nil {
				t.Fatal(err)
			}
		}, Options{MaxBytes: 2048, Key: "containers.api.src"}, []string{"containers.api.src", "limit", ".dockerignore", "node_modules"}},
		{"over the cap by headers alone", func(t *testing.T, dir string) {
			for _, n := range []string{"a", "b", "c", "d", "e"} {
				if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}, Options{MaxBytes: 2048, Key: "containers.api.src"}, []string{"containers.api.src", "limit"}},
		{"a bare ! in .dockerignore", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, IgnoreFile), []byte("*.log\n!\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, Options{Key: "containers.web.src"}, []string{"containers.web.src", "line 2", `"!"`}},
		{"an unclosed [ in .dockerignore", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, IgnoreFile), []byte("[abc\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, Options{Key: "containers.web.src"}, []string{"line 1", "malformed"}},
		{"a named pipe", func(t *testing.T, dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, "dev.sock"), 0o644); err != nil {
				t.Skip("mkfifo:", err)
			}
		}, Options{Key: "containers.api.src"}, []string{"containers.api.src", "dev.sock", ".dockerignore"}},
		{"a missing directory", func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
		}, Options{Key: "containers.api.src"}, []string{"containers.api.src", "no such file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			var buf bytes.Buffer
			_, err := Pack(dir, &buf, tc.opts)
			if err == nil {
				t.Fatal("packed without error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestTheSizeCapIsATypedError(t *testing.T) {
	dir := tree(t, map[string]string{"a": strings.Repeat("x", 100)}, time.Now(), 0o644)
	_, err := Pack(dir, io.Discard, Options{MaxBytes: 50})
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Limit != 50 {
		t.Fatalf("got %v, want *TooLargeError with limit 50", err)
	}
}

func TestWriteFileNamesTheArchiveByItsHash(t *testing.T) {
	src := tree(t, app, time.Now(), 0o644)
	dest := t.TempDir()
	a, path, err := WriteFile(src, dest, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != a.Hash+".tar.gz" {
		t.Fatalf("path %s, hash %s", path, a.Hash)
	}
	left, _ := os.ReadDir(dest)
	var got []string
	for _, e := range left {
		got = append(got, e.Name())
	}
	sort.Strings(got)
	if len(got) != 1 {
		t.Fatalf("dest holds %v, want only the archive", got)
	}
	if _, _, err := WriteFile(src, dest, Options{MaxBytes: 10}); err == nil {
		t.Fatal("over the cap: no error")
	}
	if left, _ := os.ReadDir(dest); len(left) != 1 {
		t.Fatalf("a failed pack left files behind: %d entries", len(left))
	}
}
