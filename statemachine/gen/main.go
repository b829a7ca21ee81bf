// Command gen writes statemachine/*.asl.json from internal/aslgen (`go generate
// ./statemachine`).
package main

import (
	"log"
	"os"
	"path/filepath"

	"github.com/berth-dev/berth/internal/aslgen"
)

func main() {
	dir := "."
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	for name, m := range aslgen.Files() {
		b, err := m.Render()
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
