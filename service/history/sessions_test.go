package history

import (
	"testing"

	"github.com/emconnector/emconnector/service"
)

// Every operation that changes a phone (audited in the operation table)
// has its effect on the device's login in PhoneEffects.
func TestPhoneEffectsCoverEveryAuditedOperation(t *testing.T) {
	for _, op := range service.Operations() {
		if _, ok := PhoneEffects[op.Op]; op.Audited && !ok {
			t.Errorf("operation %s changes a phone but SessionsOf does not know what it does", op.Op)
		}
	}
}
