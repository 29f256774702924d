package features

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/emconnector/emconnector/service/skipreport"
)

// skipForWant skips the current spec (or container, from a BeforeAll) for want of a real
// part outside CI, and notes it with its top-level Describe for the summary `make test`
// prints (features/README.md, "What make test did not test").
func skipForWant(reason string) {
	GinkgoHelper()
	group := "features"
	if texts := CurrentSpecReport().ContainerHierarchyTexts; len(texts) > 0 {
		group += ` "` + texts[0] + `"`
	}
	skipreport.Note(group, reason)
	Skip(reason)
}
