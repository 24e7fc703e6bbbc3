package checks

import (
	"sort"

	"github.com/composeguard/composeguard/app/compose"
)

var _ = register(&Rule{
	ID:          "version-field-obsolete",
	Category:    Operability,
	Severity:    Info,
	SeverityWhy: "Compose ignores it; tidiness only.",
	Title:       "Obsolete `version` field",
	Why:         "Compose ignores the top-level `version` and warns about it; tools that still read it judge the file by rules Compose no longer applies.",
	Fix:         "Delete the `version:` line.",
	Run: func(c *Context) {
		// compose-go drops `version` from the model, so read the files.
		files := make([]string, 0, len(c.Project.Sources))
		for f := range c.Project.Sources {
			files = append(files, f)
		}
		sort.Strings(files)
		for _, f := range files {
			for _, d := range c.Project.Sources[f].Docs {
				for i := 0; i+1 < len(d.Content); i += 2 {
					if k := d.Content[i]; k.Value == "version" {
						c.Report(Finding{Pos: compose.Position{File: f, Line: k.Line, Column: k.Column}, KeyPath: "version",
							Message: "`version` is obsolete: Compose ignores it"})
					}
				}
			}
		}
	},
})
