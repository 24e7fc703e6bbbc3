package main

import "flag"

// parseArgs parses flags wherever they stand among the arguments, so
// `audit . --format json` works like `audit --format json .`; what is not a
// flag is returned in order.
func parseArgs(fl *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fl.Parse(args); err != nil {
			return nil, err
		}
		args = fl.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}
