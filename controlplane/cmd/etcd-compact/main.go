// Command etcd-compact compacts an etcd keyspace up to its current revision.
//
// Tests use it to make every older resourceVersion "too old", so that the
// kube-apiserver answers a LIST/WATCH from an old resourceVersion with
// 410 Gone, without needing etcdctl.
//
//	etcd-compact -endpoint http://127.0.0.1:2379 [-revision N]
//
// It prints the revision it compacted to.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:2379", "etcd client URL")
	revision := flag.Int64("revision", 0, "revision to compact to (0 = current revision)")
	timeout := flag.Duration("timeout", 10*time.Second, "overall timeout")
	flag.Parse()

	if err := run(*endpoint, *revision, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "etcd-compact:", err)
		os.Exit(1)
	}
}

func run(endpoint string, rev int64, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{endpoint},
		DialTimeout: timeout,
	})
	if err != nil {
		return err
	}
	defer cli.Close()

	if rev == 0 {
		// Any read returns the store's current revision in its header.
		resp, err := cli.Get(ctx, "compact-probe", clientv3.WithCountOnly())
		if err != nil {
			return err
		}
		rev = resp.Header.Revision
	}
	// Physical: wait until the compaction is applied, so a caller can rely on
	// old revisions being gone as soon as this command returns.
	if _, err := cli.Compact(ctx, rev, clientv3.WithCompactPhysical()); err != nil {
		return err
	}
	fmt.Println(rev)
	return nil
}
