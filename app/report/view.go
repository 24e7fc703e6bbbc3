// Package report writes an audit as text, JSON, SARIF, GitLab Code Quality
// or Markdown.
package report

import (
	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/checks"
)

// Finding is the stable JSON shape of one finding, also what the Markdown
// templates receive.
type Finding struct {
	Rule        string          `json:"rule"`
	Severity    checks.Severity `json:"severity"`
	Category    checks.Category `json:"category"`
	File        string          `json:"file"`
	Line        int             `json:"line"`
	Column      int             `json:"column"`
	Service     *string         `json:"service"`
	Services    []string        `json:"services,omitempty"`
	Key         string          `json:"key,omitempty"`
	Message     string          `json:"message"`
	Fix         string          `json:"fix"`
	Fingerprint string          `json:"fingerprint"`
	HelpURI     string          `json:"help_uri"`
	Reason      string          `json:"exception_reason,omitempty"`
	Expires     string          `json:"exception_expires,omitempty"`
}

// Audit is the stable JSON shape of a whole audit.
type Audit struct {
	FilesAudited int         `json:"files_audited"`
	Score        audit.Score `json:"score"`
	Findings     []Finding   `json:"findings"`
	Waived       []Finding   `json:"waived"`
}

func view(r *audit.Report) Audit {
	a := Audit{FilesAudited: r.FilesAudited, Score: r.Score, Findings: []Finding{}, Waived: []Finding{}}
	for _, f := range r.Findings {
		a.Findings = append(a.Findings, viewFinding(f))
	}
	for _, f := range r.Waived {
		a.Waived = append(a.Waived, viewFinding(f))
	}
	return a
}

func viewFinding(f audit.Finding) Finding {
	v := Finding{Rule: f.Rule, Severity: f.Severity, Category: f.Category, File: f.Pos.File, Line: f.Pos.Line,
		Column: f.Pos.Column, Services: f.Services, Key: f.KeyPath, Message: f.Message, Fix: f.Fix,
		Fingerprint: f.Fingerprint}
	if r := checks.Get(f.Rule); r != nil {
		v.HelpURI = r.HelpURI()
	}
	if f.Service != "" {
		s := f.Service
		v.Service = &s
	}
	if f.Exception != nil {
		v.Reason = f.Exception.Reason
		v.Expires = f.Exception.Expires.Format("2006-01-02")
	}
	return v
}
