/// The epoll driver's per-descriptor state, indexed by descriptor number, as
/// the kernel indexes its own file table: a lookup is an array index instead
/// of a hash (hashing `Int32` keys was about 2 % of an epoll echo server's
/// CPU samples). It covers descriptors up to the highest one the driver let
/// in (``grow(toCover:)``, after checking that the number names an open file,
/// so that a bogus number cannot make it allocate).
///
/// A value type on the driver's thread.
struct EpollDescriptorTable {
    private var interests: [EpollInterest?] = []
    /// Per descriptor: the loop turn of its last attempt and the attempts it
    /// made in that turn. Stamped rather than cleared, so starting a turn
    /// costs nothing however many descriptors the last one touched.
    private var attempts: [(turn: UInt64, used: Int)] = []
    private var turn: UInt64 = 1
    /// Descriptors that have an interest now.
    private(set) var count = 0

    /// How many descriptor numbers the table has room for (0 up to one less).
    var size: Int { interests.count }

    /// Whether the table has room for `fd`'s state (false for a negative one).
    func covers(_ fd: Int32) -> Bool {
        fd >= 0 && Int(fd) < interests.count
    }

    /// Makes room for descriptors up to `fd`.
    mutating func grow(toCover fd: Int32) {
        precondition(fd >= 0, "EpollDescriptorTable: negative descriptor \(fd)")
        let size = Int(fd) + 1
        guard size > interests.count else { return }
        interests.append(contentsOf: repeatElement(nil, count: size - interests.count))
        attempts.append(contentsOf: repeatElement((turn: 0, used: 0), count: size - attempts.count))
    }

    /// The interest of `fd`, if it has one. Borrowed in place: a copy would
    /// retain and release its queues' storage on every push.
    subscript(fd: Int32) -> EpollInterest? {
        _read {
            if covers(fd) { yield interests[Int(fd)] } else { yield nil }
        }
    }

    /// Takes `fd`'s interest out (moved, not copied: a copy would share its
    /// queues' storage and reallocate it on the first change).
    mutating func take(_ fd: Int32) -> EpollInterest? {
        guard covers(fd), let interest = interests[Int(fd)].take() else { return nil }
        count -= 1
        return interest
    }

    /// Stores `interest` as `fd`'s.
    ///
    /// - Precondition: the table covers `fd`, and `fd` has no interest (it
    ///   was taken out first).
    mutating func put(_ interest: EpollInterest, for fd: Int32) {
        precondition(covers(fd), "EpollDescriptorTable: fd \(fd) not covered")
        let i = Int(fd)
        precondition(interests[i] == nil, "EpollDescriptorTable: fd \(fd) stored twice")
        interests[i] = interest
        count += 1
    }

    /// Changes `fd`'s interest in place.
    ///
    /// - Precondition: `fd` has one.
    mutating func modify<R>(_ fd: Int32, _ body: (inout EpollInterest) -> R) -> R {
        precondition(covers(fd) && interests[Int(fd)] != nil, "EpollDescriptorTable: fd \(fd) has no interest")
        return body(&interests[Int(fd)]!)
    }

    /// The descriptors that have an interest, in ascending order.
    var descriptors: [Int32] {
        interests.indices.compactMap { interests[$0] == nil ? nil : Int32($0) }
    }

    /// The number of interests that satisfy `predicate`.
    func count(where predicate: (EpollInterest) -> Bool) -> Int {
        interests.reduce(0) { $0 + (($1.map(predicate) ?? false) ? 1 : 0) }
    }

    /// Starts a loop turn: every descriptor's attempt budget is whole again.
    mutating func startTurn() {
        turn &+= 1
    }

    /// Takes one attempt from `fd`'s budget of `limit` for this turn; false
    /// when it is spent.
    ///
    /// - Precondition: the table covers `fd`.
    mutating func spend(_ fd: Int32, limit: Int) -> Bool {
        precondition(covers(fd), "EpollDescriptorTable: fd \(fd) not covered")
        let i = Int(fd)
        if attempts[i].turn != turn { attempts[i] = (turn, 0) }
        if attempts[i].used >= limit { return false }
        attempts[i].used += 1
        return true
    }
}
