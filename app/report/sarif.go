package report

import (
	"encoding/json"
	"io"
	"net/url"
	"strings"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/checks"
)

// Version is composeguard's version, set at build time.
var Version = "dev"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

// sarifArtifact names a file by a URI relative to the repository root, the
// base GitHub code scanning resolves %SRCROOT% to.
type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

const sourceRoot = "%SRCROOT%"

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
}

// sarifLevel maps a severity to SARIF's three levels.
func sarifLevel(s checks.Severity) string {
	switch {
	case s >= checks.High:
		return "error"
	case s == checks.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is GitHub code scanning's 0–10 severity property.
var securitySeverity = map[checks.Severity]string{
	checks.Critical: "9.5", checks.High: "8.0", checks.Medium: "5.5", checks.Low: "3.0", checks.Info: "0.0",
}

// describe is a finding in one sentence for tools that show a single text:
// the services it concerns, what is wrong and the fix.
func describe(f audit.Finding) string {
	msg := f.Message
	if len(f.Services) > 0 {
		msg = "[" + strings.Join(f.Services, ", ") + "] " + msg
	}
	return msg + ". " + f.Fix
}

// SARIF writes SARIF 2.1.0 for GitHub code scanning: every rule with its help
// text and URI, and a partial fingerprint so alerts follow code across commits.
func SARIF(w io.Writer, r *audit.Report) error {
	driver := sarifDriver{Name: "composeguard", InformationURI: "https://github.com/composeguard/composeguard", Version: Version}
	index := map[string]int{}
	for i, rule := range checks.All() {
		index[rule.ID] = i
		driver.Rules = append(driver.Rules, sarifRule{
			ID: rule.ID, Name: rule.Title,
			ShortDescription:     sarifText{Text: rule.Title},
			FullDescription:      sarifText{Text: rule.Why},
			Help:                 sarifText{Text: rule.Why + " " + rule.Fix, Markdown: "**Why:** " + rule.Why + "\n\n**Fix:** " + rule.Fix},
			HelpURI:              rule.HelpURI(),
			DefaultConfiguration: sarifConfig{Level: sarifLevel(rule.Severity)},
			Properties: map[string]any{
				"tags":              []string{"security", string(rule.Category)},
				"security-severity": securitySeverity[rule.Severity],
			},
		})
	}
	results := []sarifResult{}
	for _, f := range r.Findings {
		res := sarifResult{
			RuleID: f.Rule, RuleIndex: index[f.Rule], Level: sarifLevel(f.Severity),
			Message: sarifText{Text: describe(f)},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: (&url.URL{Path: f.Pos.File}).String(), URIBaseID: sourceRoot},
				Region:           sarifRegion{StartLine: max(1, f.Pos.Line), StartColumn: max(1, f.Pos.Column)},
			}}},
			PartialFingerprints: map[string]string{"composeguard/v1": f.Fingerprint},
		}
		if f.Severity != checks.Get(f.Rule).Severity {
			res.Properties = map[string]any{"severity": f.Severity.String()}
		}
		results = append(results, res)
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
