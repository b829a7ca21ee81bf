package plan

import (
	"slices"
	"testing"
)

type recursiveNode struct {
	Next *recursiveNode
	Kids []recursiveNode
	R    *Ref
}

func TestRefIDs(t *testing.T) {
	tests := []struct {
		name  string
		props any
		want  []string
	}{
		{"refs in fields, pointers and slices are found", LoadBalancerProps{SecurityGroups: []Ref{{ID: "a"}, {ID: "b"}}}, []string{"a", "b"}},
		{"a role ref inside a role ref is found", FunctionProps{Role: RoleRef{Ref: &Ref{ID: "r"}}, LogGroup: Ref{ID: "l"}}, []string{"r", "l"}},
		{"an inline policy is data, not refs", RoleProps{InlinePolicy: map[string]any{"ref": "x", "attr": "Arn"}}, nil},
		{"a recursive type is walked without looping", recursiveNode{Next: &recursiveNode{R: &Ref{ID: "deep"}}, Kids: []recursiveNode{{R: &Ref{ID: "kid"}}}}, []string{"deep", "kid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := refIDs(tt.props); !slices.Equal(got, tt.want) {
				t.Errorf("refIDs = %v, want %v", got, tt.want)
			}
		})
	}
}
