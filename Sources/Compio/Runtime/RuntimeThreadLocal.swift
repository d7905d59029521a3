import Glibc

/// The runtime whose ``Runtime/blockOn(_:)`` is running on this thread.
///
/// ``Runtime/current`` looks here when the current task carries no runtime
/// preference (or there is no task). Unretained: `blockOn` holds the runtime
/// for as long as the value is set.
enum RuntimeThreadLocal {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let rc = pthread_key_create(&key, nil)
        precondition(rc == 0, "RuntimeThreadLocal: pthread_key_create failed (\(rc))")
        return key
    }()

    /// The runtime running on this thread, if any.
    static var current: Runtime? {
        guard let raw = pthread_getspecific(key) else { return nil }
        return Unmanaged<Runtime>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Sets (or clears) the runtime running on this thread; returns the previous one.
    static func set(_ runtime: Runtime?) {
        let raw = runtime.map { Unmanaged.passUnretained($0).toOpaque() }
        pthread_setspecific(key, raw)
    }
}
