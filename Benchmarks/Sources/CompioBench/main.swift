import BenchSupport
import Glibc

// compio-bench: one measurement per run, printed as a `RESULT key=value ...`
// line for Benchmarks/harness/run.py (which repeats runs, takes medians and
// compares with the peers).
let arguments = CommandLine.arguments.dropFirst()
guard let command = arguments.first else {
    print("""
        usage: compio-bench nop --driver io_uring|epoll --tasks N [--seconds S | --ops N]
               compio-bench read --driver D --file PATH --block B --mode rand|seq --tasks N [--api file|op] [--seconds S]
               compio-bench echo-server --driver D --port P --conns N [--api op|stream]
               compio-bench alloc-spawn --driver D [--count N]
               compio-bench alloc-accept --driver D [--count N] [--port P]
        """)
    exit(2)
}
let options = Options(arguments.dropFirst())
switch command {
case "nop": try NopBench.run(options)
case "read": try FileReadBench.run(options)
case "echo-server": try EchoServer.run(options)
case "alloc-spawn": try AllocBench.spawn(options)
case "alloc-accept": try AllocBench.accept(options)
default:
    print("compio-bench: unknown command \(command)")
    exit(2)
}
