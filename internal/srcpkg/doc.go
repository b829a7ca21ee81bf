// Package srcpkg packages a container's `src` directory into a deterministic source
// archive: a gzip-compressed tar whose bytes depend only on the paths, contents, file
// kinds and executable bits of the files it holds, never on where or when the tree was
// checked out. Its content hash (sha256 of the uncompressed tar stream, hex) names the
// archive, so unchanged source means the same name, no upload and no build.
//
// What is fixed and why:
//   - entries are sorted by path (byte order), so the walk order never leaks in;
//   - every mtime is 2000-01-01T00:00:00Z, uid/gid 0 and uname/gname empty, so checkout
//     time and the packer's user never leak in (the year 2000, not 1970, because zip-based
//     build tools such as Python wheels refuse timestamps before 1980);
//   - modes are 0755 for directories and for files with any executable bit, 0644 for other
//     files, 0777 for symlinks (kept as links, never followed);
//   - the gzip header has no name and no mtime, and the level is fixed.
//
// The hash covers the tar stream, not the gzip bytes, so a change in the compressor (a Go
// release) does not change the name of unchanged source.
//
// `.dockerignore` at the root of src is honoured with Docker's documented semantics
// (docs.docker.com/build/concepts/context/#dockerignore-files): one pattern per line, `#`
// comments, patterns cleaned like filepath.Clean with a leading `/` dropped, Go's
// filepath.Match globbing plus `**` for any number of directories, `!` exceptions, the
// last matching line deciding, and a pattern that matches a directory excluding everything
// below it. As in Docker, the Dockerfile and .dockerignore are always sent even when a
// pattern names them: the builder needs them.
//
// Archives are bounded (Options.MaxBytes, default DefaultMaxBytes of tar stream): a source
// tree that large nearly always means a dependency or VCS directory was not ignored.
package srcpkg
