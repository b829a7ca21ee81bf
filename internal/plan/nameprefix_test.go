package plan

import (
	"strings"
	"testing"
)

// The inventory narrows roles, CloudFront Functions and KeyValueStores by NamePrefix
// before reading their tags, so every such name the rule gives must start with it.
func TestEveryNameOfA64CharacterKindStartsWithTheStagesNamePrefix(t *testing.T) {
	tests := []struct{ name, app, stage, want string }{
		{"a plain app and stage keep both", "shop", "prod", "berth-shop-prod-"},
		{"an SCF app name is lower-cased as in the names", "My_App", "dev", "berth-my-app-dev-"},
		{"a stage too long to survive the cut leaves only the app", "shop", strings.Repeat("s", 60), "berth-shop-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NamePrefix(tt.app, tt.stage)
			if got != tt.want {
				t.Fatalf("NamePrefix(%q, %q) = %q, want %q", tt.app, tt.stage, got, tt.want)
			}
			for _, c := range []string{"", "api", strings.Repeat("c", 40)} {
				for _, n := range []string{
					physicalName(tt.app, tt.stage, c, "role", limitRole),
					physicalName(tt.app, tt.stage, c, "router", limitCloudFrontFunction),
					physicalName(tt.app, tt.stage, c, "kvs", limitKeyValueStore),
				} {
					if !strings.HasPrefix(n, got) {
						t.Errorf("name %q does not start with %q", n, got)
					}
				}
			}
		})
	}
}
