package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Variable syntax, as in Serverless Framework: ${source:address}, optionally followed by
// comma-separated fallbacks. Parsing is separate from resolution so that syntax errors
// are reported even offline.

// part is a piece of a scalar: literal text or one variable.
type part struct {
	lit  string
	expr *varExpr
}

type varExpr struct {
	ref       string // "source:address" as written, without ${} and fallbacks
	source    string
	address   []part // the address may itself embed variables
	fallbacks []fallback
}

// fallback is a literal (typed like a YAML scalar) or another variable.
type fallback struct {
	text string
	tag  string
	expr *varExpr
}

// maxVarDepth bounds how deeply variables nest (${a:${b:...}}). Each level rescans its
// text, so the limit is what keeps parsing linear in the length of a value; real configs
// nest two or three levels.
const maxVarDepth = 10

// parseTemplate splits s into literal text and variables. A non-empty message means a
// syntax error.
func parseTemplate(s string) ([]part, string) {
	var parts []part
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			if s != "" {
				parts = append(parts, part{lit: s})
			}
			return parts, ""
		}
		if i > 0 {
			parts = append(parts, part{lit: s[:i]})
		}
		end := closingBrace(s, i)
		if end == tooDeep {
			return nil, fmt.Sprintf("variables nest more than %d levels deep (${a:${b:...}}); a configuration needs two or three, so store the value in one place and refer to it with ${param:} or ${ssm:}", maxVarDepth)
		}
		if end < 0 {
			return nil, fmt.Sprintf("variable %q has no closing \"}\"; write it as ${source:address}, e.g. ${param:domain}", clip(s[i:]))
		}
		e, msg := parseExpr(s[i : end+1])
		if msg != "" {
			return nil, msg
		}
		parts = append(parts, part{expr: e})
		s = s[end+1:]
	}
}

// tooDeep is closingBrace's answer for variables nested deeper than maxVarDepth.
const tooDeep = -2

// closingBrace returns the index of the "}" closing the "${" at start, skipping nested
// variables and quoted fallbacks, -1 when there is none, or tooDeep.
func closingBrace(s string, start int) int {
	depth := 0
	for j := start; j < len(s); j++ {
		switch {
		case strings.HasPrefix(s[j:], "${"):
			if depth++; depth > maxVarDepth {
				return tooDeep
			}
			j++
		case s[j] == '}':
			if depth--; depth == 0 {
				return j
			}
		case (s[j] == '\'' || s[j] == '"') && depth > 0:
			if k := strings.IndexByte(s[j+1:], s[j]); k >= 0 {
				j += k + 1
			}
		}
	}
	return -1
}

// splitTop splits s at commas outside nested variables and quotes.
func splitTop(s string) []string {
	var out []string
	depth, last := 0, 0
	for j := 0; j < len(s); j++ {
		switch {
		case strings.HasPrefix(s[j:], "${"):
			depth++
			j++
		case s[j] == '}':
			depth--
		case s[j] == '\'' || s[j] == '"':
			if k := strings.IndexByte(s[j+1:], s[j]); k >= 0 {
				j += k + 1
			}
		case s[j] == ',' && depth == 0:
			out = append(out, s[last:j])
			last = j + 1
		}
	}
	return append(out, s[last:])
}

func parseExpr(raw string) (*varExpr, string) {
	items := splitTop(raw[2 : len(raw)-1])
	head := strings.TrimSpace(items[0])
	source, address, ok := splitSource(head)
	if !ok {
		return nil, fmt.Sprintf("%q is not a variable berth understands: write ${source:address}, one of %s", clip(raw), supportedSources)
	}
	addr, msg := parseTemplate(address)
	if msg != "" {
		return nil, msg
	}
	e := &varExpr{ref: head, source: source, address: addr}
	for _, item := range items[1:] {
		fb, msg := parseFallback(strings.TrimSpace(item), raw)
		if msg != "" {
			return nil, msg
		}
		e.fallbacks = append(e.fallbacks, fb)
	}
	return e, ""
}

func splitSource(head string) (source, address string, ok bool) {
	if rest, found := strings.CutPrefix(head, "file("); found {
		// the address is "path)" or "path):key"; file() reads it (files.go)
		return "file", rest, strings.Contains(rest, ")")
	}
	if rest, found := strings.CutPrefix(head, "aws:ssm:"); found {
		return "aws:ssm", rest, true
	}
	i := strings.IndexByte(head, ':')
	if i <= 0 || strings.Contains(head[:i], "${") {
		return "", "", false
	}
	return head[:i], head[i+1:], true
}

func parseFallback(s, raw string) (fallback, string) {
	if n := len(s); n >= 2 && (s[0] == '\'' || s[0] == '"') && s[n-1] == s[0] {
		return fallback{text: s[1 : n-1], tag: tagStr}, ""
	}
	if strings.HasPrefix(s, "${") && closingBrace(s, 0) == len(s)-1 {
		e, msg := parseExpr(s)
		return fallback{expr: e}, msg
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return fallback{text: s, tag: tagInt}, ""
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return fallback{text: s, tag: tagFloat}, ""
	}
	if s == "true" || s == "false" {
		return fallback{text: s, tag: tagBool}, ""
	}
	return fallback{}, fmt.Sprintf("the fallback %q in %q is not valid: quote text ('value'), or use a number, true/false, or another variable", clip(s), clip(raw))
}

// clip shortens text quoted in messages.
func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
