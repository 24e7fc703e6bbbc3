package report

import (
	"encoding/json"
	"io"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/checks"
)

// codeQualityIssue is one entry of a GitLab Code Quality report, the subset
// of the Code Climate issue GitLab reads (docs.gitlab.com, "Code Quality
// report format"). GitLab shows only the first issue of a fingerprint, so
// each finding keeps its own: the audit fingerprint, unique in a report.
type codeQualityIssue struct {
	Description string              `json:"description"`
	CheckName   string              `json:"check_name"`
	Fingerprint string              `json:"fingerprint"`
	Severity    string              `json:"severity"`
	Location    codeQualityLocation `json:"location"`
}

type codeQualityLocation struct {
	Path  string           `json:"path"` // relative to the repository root, no "./"
	Lines codeQualityLines `json:"lines"`
}

type codeQualityLines struct {
	Begin int `json:"begin"`
}

// codeQualitySeverity maps a severity onto GitLab's five: info, minor,
// major, critical, blocker.
var codeQualitySeverity = map[checks.Severity]string{
	checks.Critical: "blocker", checks.High: "critical", checks.Medium: "major", checks.Low: "minor", checks.Info: "info",
}

// CodeQuality writes a GitLab Code Quality report (artifacts:reports:
// codequality), so findings show in the merge request widget: one issue per
// finding that counts, waived findings left out as in SARIF.
func CodeQuality(w io.Writer, r *audit.Report) error {
	issues := []codeQualityIssue{}
	for _, f := range r.Findings {
		issues = append(issues, codeQualityIssue{
			Description: oneLine(describe(f)),
			CheckName:   f.Rule,
			Fingerprint: f.Fingerprint,
			Severity:    codeQualitySeverity[f.Severity],
			Location:    codeQualityLocation{Path: f.Pos.File, Lines: codeQualityLines{Begin: max(1, f.Pos.Line)}},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(issues)
}
