package postgres

import (
	"hash/fnv"
	"strings"
)

// clusterKey is the first key of cluster's slot locks; deviceKey the key of
// one device's lock. Both hash a prefix with the names (upper case: CUCM's
// names are case-insensitive), so other users of advisory locks in the same
// database do not meet ours by accident.
func clusterKey(cluster string) int32 {
	h := fnv.New32a()
	h.Write([]byte("bcservice/cluster/" + strings.ToUpper(cluster)))
	return int32(h.Sum32())
}

func deviceKey(cluster, device string) int64 {
	h := fnv.New64a()
	h.Write([]byte("bcservice/device/" + strings.ToUpper(cluster) + "/" + strings.ToUpper(device)))
	return int64(h.Sum64())
}
