package srcpkg

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkPack packs a tree of 500 files of 4 KiB in 25 directories, with a
// .dockerignore that excludes a fifth of them.
func BenchmarkPack(b *testing.B) {
	dir := b.TempDir()
	body := strings.Repeat("package main // source line\n", 150)
	for i := range 500 {
		p := filepath.Join(dir, fmt.Sprintf("pkg%02d", i%25), fmt.Sprintf("file%03d.go", i))
		if i%5 == 0 {
			p += ".tmp"
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, IgnoreFile), []byte("**/*.tmp\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(400 * int64(len(body)))
	b.ResetTimer()
	for range b.N {
		if _, err := Pack(dir, io.Discard, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
