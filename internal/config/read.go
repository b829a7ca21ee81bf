package config

import (
	"fmt"
	"io"
	"os"
)

// MaxFileBytes is the largest configuration berth reads, from disk, S3 or a request body.
const MaxFileBytes = maxFileBytes

// ReadFile reads a configuration file from disk without reading more than MaxFileBytes+1
// bytes, so a device or a runaway file (-f /dev/zero) stops with a clear error instead of
// filling memory.
func ReadFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadLimited(f, name)
}

// ReadLimited reads r up to MaxFileBytes; more is an error naming what was read.
func ReadLimited(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("%s: the file is over %d bytes; a configuration must be under %d bytes (is it the right file?)", name, maxFileBytes, maxFileBytes)
	}
	return data, nil
}
