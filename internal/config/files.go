package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"gopkg.in/yaml.v3"
)

// ${file(path)} and ${file(path):dotted.key} (Serverless Variables) read a YAML or JSON file
// that lives beside the config: from disk in the CLI and the local runtime, from the
// config's own S3 prefix in the deploy workflow. Paths are relative to the config and may
// not leave its directory; each file is bounded like a config, at most maxFiles files are
// read, and variables inside a file are not resolved (its values are taken as written).

// FileReader reads a file a config refers to. name is clean, relative and inside the
// config's directory (Load checks it); a missing file is an error wrapping fs.ErrNotExist.
type FileReader interface {
	ReadFile(ctx context.Context, name string) ([]byte, error)
}

// maxFiles bounds how many distinct files one config reads.
const maxFiles = 20

// DirFiles reads files below dir, never outside it (symbolic links included: os.Root).
type DirFiles string

// ReadFile implements FileReader.
func (d DirFiles) ReadFile(_ context.Context, name string) ([]byte, error) {
	root, err := os.OpenRoot(string(d))
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadLimited(f, name)
}

// filePath checks and cleans the path of ${file(path)}.
func filePath(raw string) (string, string) {
	p := strings.Trim(strings.TrimSpace(raw), `'"`)
	clean := path.Clean(p)
	switch {
	case p == "":
		return "", "names no file: write ${file(./values.yml)} or ${file(./values.yml):key}"
	case strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) || strings.Contains(p, `\`) || strings.HasPrefix(p, "~"):
		return "", "must be a path relative to the config, e.g. ./values.yml"
	case clean == ".." || strings.HasPrefix(clean, "../"):
		return "", "leaves the config's directory; berth reads only files beside the config or below it (the CLI uploads them next to it)"
	}
	return clean, ""
}

// file evaluates ${file(path)} and ${file(path):key}; addr is "path)" or "path):key".
func (r *resolver) file(e *varExpr, addr string, s site) (value, string) {
	raw, key, _ := strings.Cut(addr, ")")
	key, hasKey := strings.CutPrefix(key, ":")
	name, problem := filePath(raw)
	if problem != "" {
		r.sink.errorAt(s.path, s.node, "${%s}: the path %s", clip(e.ref), problem)
		return value{failed: true}, ""
	}
	if r.files == nil {
		return value{unresolved: true}, "" // no files here (the API): checked at deploy
	}
	doc, err := r.readFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return value{}, fmt.Sprintf("${%s}: the file %s does not exist beside the config; create it, or give a fallback, e.g. ${%s, 'value'}", clip(e.ref), name, clip(e.ref))
	}
	if err != nil {
		r.sink.errorAt(s.path, s.node, "${%s}: %v", clip(e.ref), err)
		return value{failed: true}, ""
	}
	cur := doc
	if hasKey {
		for _, seg := range strings.Split(strings.TrimSpace(key), ".") {
			if cur, _ = child(cur, "", seg); cur == nil {
				return value{}, fmt.Sprintf("${%s}: the file %s has no key %s (keys are dotted paths, list items by number); add it, or give a fallback", clip(e.ref), name, clip(key))
			}
		}
	}
	return value{node: cur, text: cur.Value, tag: cur.ShortTag()}, ""
}

// readFile reads and parses a file once.
func (r *resolver) readFile(name string) (*yaml.Node, error) {
	if f, ok := r.fileDocs[name]; ok {
		return f.doc, f.err
	}
	if len(r.fileDocs) >= maxFiles {
		return nil, fmt.Errorf("the config reads more than %d files; merge the values into fewer files", maxFiles)
	}
	doc, err := r.parseFile(name)
	r.fileDocs[name] = fileDoc{doc, err}
	return doc, err
}

type fileDoc struct {
	doc *yaml.Node
	err error
}

func (r *resolver) parseFile(name string) (*yaml.Node, error) {
	data, err := r.files.ReadFile(r.ctx, name)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("the file %s is not valid YAML or JSON: %v", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	root, bad := expand(&doc)
	if bad != nil {
		return nil, fmt.Errorf("the file %s: %s", name, bad.Message)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("the file %s is empty", name)
	}
	return root.Content[0], nil
}

// FilesRead loads data as Load does and returns the files its ${file()} variables read
// for opts.Stage, in the order first read: the files the CLI uploads beside the config.
func FilesRead(ctx context.Context, data []byte, opts Options) []string {
	rec := &recordingFiles{next: opts.Files}
	opts.Files = rec
	_, _ = Load(ctx, data, opts)
	return rec.read
}

type recordingFiles struct {
	next FileReader
	read []string
}

func (r *recordingFiles) ReadFile(ctx context.Context, name string) ([]byte, error) {
	data, err := r.next.ReadFile(ctx, name)
	if err == nil {
		r.read = append(r.read, name)
	}
	return data, err
}
