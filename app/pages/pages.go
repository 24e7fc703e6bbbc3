// Package pages holds what the server's web pages show of a review and the
// signed links to them: the review flow builds a Review, app/jobs stores
// it by head, and the handlers render it for whoever holds a link the
// server signed.
package pages

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/composeguard/composeguard/app/forge"
)

// Bounds of one stored review: a repository decides how many findings it
// has and how long its lines are, so the row and the page stay small
// whatever it holds (at most about 400 KB).
const (
	MaxFindings   = 200
	MaxExceptions = 100
	// ExcerptLines are shown above and below a finding's line.
	ExcerptLines = 2
	// MaxLineRunes cuts each line of an excerpt.
	MaxLineRunes = 200
)

// Key names the review's head; see Key.
func (r *Review) Key() string { return Key(r.Forge, r.Repo, r.HeadSHA) }

// Review is one pull request head's review as its report page shows it.
// Every text in it is a repository's or composeguard's, never markup: the
// page escapes it.
type Review struct {
	Forge      forge.Kind `json:"forge"`
	Repo       string     `json:"repo"` // owner/name
	Number     int        `json:"number"`
	HeadSHA    string     `json:"head_sha"`
	BaseSHA    string     `json:"base_sha"`
	ReviewedAt time.Time  `json:"reviewed_at"`
	Conclusion string     `json:"conclusion"`
	Title      string     `json:"title"`
	// Scores are the categories' base and head scores, Overall last.
	Scores []Score `json:"scores"`
	// Findings are the head's, new ones first, at most MaxFindings;
	// Omitted counts those left out.
	Findings   []Finding   `json:"findings"`
	Omitted    int         `json:"omitted,omitempty"`
	Exceptions []Exception `json:"exceptions"`
	// IntoDefault is set when the pull request is into the repository's
	// default branch (or the forge does not say which that is): its base
	// is the default branch's state, and Badge its policy's opt-in to the
	// score badge.
	IntoDefault bool `json:"into_default"`
	Badge       bool `json:"badge"`
}

// Score is one category's score at base and head.
type Score struct {
	Name string  `json:"name"`
	Base float64 `json:"base"`
	Head float64 `json:"head"`
}

// Finding is one finding at head with the lines around it.
type Finding struct {
	Severity string   `json:"severity"`
	Rule     string   `json:"rule"`
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Services []string `json:"services,omitempty"`
	Message  string   `json:"message"`
	Fix      string   `json:"fix"`
	New      bool     `json:"new"`
	Excerpt  []Line   `json:"excerpt,omitempty"`
}

// Line is a line of a file.
type Line struct {
	Number int    `json:"n"`
	Text   string `json:"text"`
}

// Exception is an exception in use at head: the findings it waives.
type Exception struct {
	Rule, Service, File    string // Service is the exception's glob
	Where, Reason, Expires string
	Waived                 int      // findings it waives at head
	Services               []string // the services of those findings
}

// Excerpt is the lines of content around line, each cut to MaxLineRunes.
func Excerpt(content []byte, line int) []Line {
	first, last := max(1, line-ExcerptLines), line+ExcerptLines
	var out []Line
	for n := 1; n <= last && len(content) > 0; n++ {
		text, rest, _ := bytes.Cut(content, []byte("\n"))
		if n >= first {
			out = append(out, Line{Number: n, Text: cut(strings.TrimSuffix(string(text), "\r"))})
		}
		content = rest
	}
	return out
}

func cut(s string) string {
	if utf8.RuneCountInString(s) <= MaxLineRunes {
		return s
	}
	r := []rune(s)
	return string(r[:MaxLineRunes]) + "…"
}

// Key names the stored review of a head in links and in the database: a
// hash, so a link carries no repository name and keeps within GitLab's 255
// characters of a status's target URL.
func Key(kind forge.Kind, repo, headSHA string) string {
	sum := sha256.Sum256([]byte(string(kind) + "\x00" + strings.ToLower(repo) + "\x00" + headSHA))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}
