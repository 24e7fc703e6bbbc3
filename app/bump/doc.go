// Package bump finds pinned image versions in compose files, chooses newer tags and edits the files byte-exactly.
package bump
