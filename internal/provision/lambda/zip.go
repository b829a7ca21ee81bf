package lambda

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// edgeHandlerFile and edgeHandler: the source is packaged as index.js exporting handler.
const (
	edgeHandlerFile = "index.js"
	edgeHandler     = "index.handler"
)

// zipEpoch is the fixed timestamp of the packaged file, so equal sources give equal zip
// bytes and equal CodeSha256.
var zipEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// packageSource builds the deployment zip in memory. The file is stored, not deflated:
// the bytes then depend on nothing but the source (no compressor version), so the code
// hash Lambda reports stays comparable across berth builds.
func packageSource(source string) ([]byte, error) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: edgeHandlerFile, Method: zip.Store, Modified: zipEpoch}
	h.SetMode(0o644) // Lambda needs the file world-readable
	f, err := w.CreateHeader(h)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write([]byte(source)); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// codeSha256 is Lambda's CodeSha256 of a zip: base64 of its SHA-256.
func codeSha256(zipped []byte) string {
	sum := sha256.Sum256(zipped)
	return base64.StdEncoding.EncodeToString(sum[:])
}
