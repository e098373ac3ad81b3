// Command composecheck loads a compose file with compose-go, the loader `docker compose` itself
// uses: schema validation, interpolation, extends, anchors and cross-references (depends_on,
// secrets, volumes), then prints the normalised model as JSON. A file it loads is one Docker
// Compose would accept; a file it rejects exits 1 with the loader's message.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: composecheck COMPOSE_FILE [ENV_FILE]")
		os.Exit(2)
	}
	path, err := filepath.Abs(os.Args[1])
	if err != nil {
		fail(err)
	}
	options := []cli.ProjectOptionsFn{cli.WithWorkingDirectory(filepath.Dir(path)), cli.WithOsEnv}
	if len(os.Args) > 2 {
		options = append(options, cli.WithEnvFiles(os.Args[2]), cli.WithDotEnv)
	}
	opts, err := cli.NewProjectOptions([]string{path}, options...)
	if err != nil {
		fail(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := json.Marshal(project)
	if err != nil {
		fail(err)
	}
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compose file rejected:", err)
	os.Exit(1)
}
