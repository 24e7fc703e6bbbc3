package vulns

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Severity is one of the two severities a scan keeps.
type Severity string

const (
	Critical Severity = "critical"
	High     Severity = "high"
)

// Report is what Trivy found in one image: its critical and high
// vulnerabilities, each once however many packages carry it.
type Report struct {
	// OS is the operating system Trivy detected ("debian 12.5"), "" when it
	// detected none: its packages were then not checked.
	OS string
	// EndOfLife: the OS release no longer receives security fixes.
	EndOfLife bool
	// Vulnerabilities, critical first, then by ID.
	Vulnerabilities []Vulnerability
}

// Vulnerability is one advisory and the packages of the image it affects.
type Vulnerability struct {
	ID       string // CVE-2024-6387, GHSA-…
	Severity Severity
	Title    string
	URL      string // the advisory's page; "" unless a plain https address
	Packages []Package
}

// Package is a package carrying a vulnerability, and the version that
// fixes it ("" when none does yet).
type Package struct {
	Name, Installed, Fixed string
}

// Count is how many vulnerabilities of severity the report holds.
func (r *Report) Count(severity Severity) int {
	n := 0
	for _, v := range r.Vulnerabilities {
		if v.Severity == severity {
			n++
		}
	}
	return n
}

// Removed lists the vulnerabilities of before that after no longer has:
// those an update from before's image to after's fixes.
func Removed(before, after *Report) []Vulnerability {
	return missing(before.Vulnerabilities, after.Vulnerabilities)
}

// Added lists the vulnerabilities after has that before had not.
func Added(before, after *Report) []Vulnerability {
	return missing(after.Vulnerabilities, before.Vulnerabilities)
}

func missing(from, in []Vulnerability) []Vulnerability {
	kept := map[string]bool{}
	for _, v := range in {
		kept[v.ID] = true
	}
	var out []Vulnerability
	for _, v := range from {
		if !kept[v.ID] {
			out = append(out, v)
		}
	}
	return out
}

// trivyReport is the part of Trivy's JSON report (schema version 2) that
// composeguard reads; everything else is ignored.
type trivyReport struct {
	SchemaVersion int
	Metadata      struct {
		OS *struct {
			Family, Name string
			EOSL         bool
		}
	}
	Results []struct {
		Vulnerabilities []struct {
			VulnerabilityID  string
			PkgName          string
			InstalledVersion string
			FixedVersion     string
			Severity         string
			Title            string
			PrimaryURL       string
		}
	}
}

// Lengths kept of the texts of a report, which the image (package names
// and versions) and Trivy's database (titles) wrote: enough to recognise
// them, little enough that a cached report stays small.
const (
	maxID    = 64
	maxTitle = 160
	maxField = 96
)

// parseReport reads Trivy's JSON report, keeping the critical and high
// vulnerabilities whatever the scan was asked for.
func parseReport(data []byte) (*Report, error) {
	var raw trivyReport
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, &NotScanned{Reason: "Trivy's report is not valid JSON"}
	}
	if dec.More() {
		return nil, &NotScanned{Reason: "Trivy's report is not one JSON document"}
	}
	if raw.SchemaVersion != 2 {
		return nil, &NotScanned{Reason: fmt.Sprintf("Trivy's report has schema version %d; composeguard reads version 2", raw.SchemaVersion)}
	}
	r := &Report{}
	if os := raw.Metadata.OS; os != nil && os.Family != "" {
		r.OS, r.EndOfLife = cut(strings.TrimSpace(os.Family+" "+os.Name), maxField), os.EOSL
	}
	byID := map[string]int{}
	for _, res := range raw.Results {
		for _, v := range res.Vulnerabilities {
			severity := Severity(strings.ToLower(v.Severity))
			if (severity != Critical && severity != High) || v.VulnerabilityID == "" {
				continue
			}
			id := cut(v.VulnerabilityID, maxID)
			i, seen := byID[id]
			if !seen {
				i, byID[id] = len(r.Vulnerabilities), len(r.Vulnerabilities)
				r.Vulnerabilities = append(r.Vulnerabilities, Vulnerability{ID: id, Severity: severity,
					Title: cut(v.Title, maxTitle), URL: plainURL(v.PrimaryURL)})
			}
			p := Package{Name: cut(v.PkgName, maxField), Installed: cut(v.InstalledVersion, maxField), Fixed: cut(v.FixedVersion, maxField)}
			vuln := &r.Vulnerabilities[i]
			if !slices.Contains(vuln.Packages, p) {
				vuln.Packages = append(vuln.Packages, p)
			}
			// Trivy may rate a vulnerability apart for each package; the
			// worst rating is the image's.
			if severity == Critical {
				vuln.Severity = Critical
			}
		}
	}
	slices.SortFunc(r.Vulnerabilities, func(a, b Vulnerability) int {
		return cmp.Or(cmp.Compare(rank(a.Severity), rank(b.Severity)), compareIDs(a.ID, b.ID))
	})
	return r, nil
}

// compareIDs orders advisory IDs as people count: CVE-2024-2961 before
// CVE-2024-28182, comparing runs of digits as numbers.
func compareIDs(a, b string) int {
	for a != "" && b != "" {
		ra, rb := leadingRun(a), leadingRun(b)
		c := cmp.Compare(ra, rb)
		if isDigit(ra[0]) && isDigit(rb[0]) {
			na, nb := strings.TrimLeft(ra, "0"), strings.TrimLeft(rb, "0")
			c = cmp.Or(cmp.Compare(len(na), len(nb)), cmp.Compare(na, nb))
		}
		if c != 0 {
			return c
		}
		a, b = a[len(ra):], b[len(rb):]
	}
	return cmp.Compare(len(a), len(b))
}

// leadingRun is s's first run of digits, or of other characters.
func leadingRun(s string) string {
	i := 1
	for i < len(s) && isDigit(s[i]) == isDigit(s[0]) {
		i++
	}
	return s[:i]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func rank(s Severity) int {
	if s == Critical {
		return 0
	}
	return 1
}

// plainURLPattern is an https address on a DNS name whose path holds only
// characters that need no escaping in a Markdown link: what advisory pages
// look like (https://avd.aquasec.com/nvd/cve-2024-6387).
var plainURLPattern = regexp.MustCompile(`^https://([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(/[A-Za-z0-9._~-]+)*/?$`)

// plainURL keeps u only when it matches plainURLPattern, so a link shows
// and goes where it says.
func plainURL(u string) string {
	if len(u) > 200 || !plainURLPattern.MatchString(u) {
		return ""
	}
	return u
}

// cut keeps at most n bytes of s, on a character boundary, marking the cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	end := n - len("…")
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + "…"
}

// size is what a report holds, for the cache's bound.
func (r *Report) size() int {
	n := 1
	for _, v := range r.Vulnerabilities {
		n += len(v.Packages)
	}
	return n
}
