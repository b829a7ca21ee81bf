package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// filesDir writes files into a temporary directory, the config's directory.
func filesDir(t *testing.T, files map[string]string) DirFiles {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return DirFiles(dir)
}

var valueFiles = map[string]string{
	"values.json":     `{"db": {"host": "db.internal", "port": 5432}, "hosts": ["a.example.com", "b.example.com"]}`,
	"stages/dev.yml":  "lambda:\n  memory: 2048\n  timeout: 20\n",
	"not-a-file.yml":  "a: [unclosed\n",
	"secret-ish.yaml": "token: '${env:X}'\n",
}

func TestFileVariablesReadYAMLAndJSONBesideTheConfig(t *testing.T) {
	doc := strings.Replace(envDoc("      HOST: ${file(./values.json):db.host}", "      PORT: ${file(values.json):db.port}", "      SECOND: ${file(./values.json):hosts.1}", "      RAW: ${file(./secret-ish.yaml):token}"),
		"    routing:", "    compute:\n      awsLambda: ${file(./stages/${sls:stage}.yml):lambda}\n    routing:", 1)
	cfg := mustLoad(t, doc, Options{Files: filesDir(t, valueFiles)})
	for name, want := range map[string]string{"HOST": "db.internal", "PORT": "5432", "SECOND": "b.example.com", "RAW": "${env:X}"} {
		if ev := findEnv(t, cfg, name); ev.Value != want || ev.Secret || ev.Unresolved {
			t.Errorf("%s = %+v, want %q", name, ev, want)
		}
	}
	if l := cfg.Container("web").Compute.Lambda; l.Memory != 2048 || l.Timeout != 20 {
		t.Errorf("a whole mapping from a file keeps its types: %+v", l)
	}
}

func TestFileVariablesThatCannotBeReadNameTheKeyTheFileAndWhatIsMissing(t *testing.T) {
	cases := []struct{ name, value, want string }{
		{"a missing file", "${file(./nope.yml):a}", "the file nope.yml does not exist beside the config"},
		{"a missing key", "${file(./values.json):db.user}", "the file values.json has no key db.user"},
		{"a file that is not YAML", "${file(./not-a-file.yml):a}", "the file not-a-file.yml is not valid YAML or JSON"},
		{"a path leaving the config's directory", "${file(../outside.yml):a}", "leaves the config's directory"},
		{"an absolute path", "${file(/etc/passwd)}", "must be a path relative to the config"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			diags := mustErrors(t, envDoc("      X: "+tc.value), Options{Files: filesDir(t, valueFiles)})
			if len(diags) != 1 || diags[0].Path != "containers.web.environment.X" || !strings.Contains(diags[0].Message, tc.want) {
				t.Fatalf("want one diagnostic at containers.web.environment.X containing %q, got %v", tc.want, diags)
			}
		})
	}
}

func TestASymlinkCannotLeadAFileVariableOutOfTheConfigsDirectory(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.yml")
	if err := os.WriteFile(outside, []byte("a: stolen\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filesDir(t, nil)
	if err := os.Symlink(outside, filepath.Join(string(dir), "link.yml")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	_, err := Load(context.Background(), []byte(envDoc("      X: ${file(./link.yml):a}")), Options{Files: dir})
	if err == nil || strings.Contains(err.Error(), "stolen") {
		t.Fatalf("got %v", err)
	}
}

func TestWithoutFilesAFileVariableStaysUnresolvedAndTheRestIsChecked(t *testing.T) {
	cfg := mustLoad(t, envDoc("      X: ${file(./values.json):db.host}"), Options{})
	if ev := findEnv(t, cfg, "X"); !ev.Unresolved || ev.Secret {
		t.Errorf("got %+v", ev)
	}
	diags := mustErrors(t, envDoc("      X: ${file(../up.yml)}"), Options{})
	if len(diags) != 1 || !strings.Contains(diags[0].Message, "leaves the config's directory") {
		t.Errorf("a bad path is refused offline too: %v", diags)
	}
}

func TestFilesReadListsWhatTheCLIUploadsBesideTheConfig(t *testing.T) {
	doc := strings.Replace(envDoc("      HOST: ${file(./values.json):db.host}", "      PORT: ${file(./values.json):db.port}"),
		"    routing:", "    compute:\n      awsLambda: ${file(./stages/${sls:stage}.yml):lambda}\n    routing:", 1)
	got := FilesRead(context.Background(), []byte(doc), Options{Stage: "dev", Files: filesDir(t, valueFiles)})
	if strings.Join(got, ",") != "stages/dev.yml,values.json" && strings.Join(got, ",") != "values.json,stages/dev.yml" {
		t.Errorf("got %v, want each file once", got)
	}
}
