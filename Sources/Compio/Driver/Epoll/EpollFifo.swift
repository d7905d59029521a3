/// A first-in, first-out queue for the epoll driver's bookkeeping: cheap append
/// and removal at the head, rare removal in the middle (a cancel).
///
/// Removed slots are set to `nil` at once, so a removed element (a finished
/// op's descriptor and buffers) is not kept alive until the whole queue drains.
struct EpollFifo<Element> {
    private var storage: [Element?] = []
    private var head = 0

    var isEmpty: Bool { head == storage.count }
    var count: Int { storage.count - head }
    var first: Element? { isEmpty ? nil : storage[head] }
    var elements: [Element] { storage[head...].map { $0! } }

    mutating func append(_ element: Element) { storage.append(element) }

    /// Empties the queue, keeping its storage for reuse.
    mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        head = 0
    }

    mutating func popFirst() -> Element? {
        guard head < storage.count else { return nil }
        let element = storage[head].take()
        head += 1
        compact()
        return element
    }

    /// Removes the first element matching `predicate`; returns whether one did.
    mutating func removeFirst(where predicate: (Element) -> Bool) -> Bool {
        guard let i = storage[head...].firstIndex(where: { predicate($0!) }) else { return false }
        storage.remove(at: i)
        compact()
        return true
    }

    func contains(where predicate: (Element) -> Bool) -> Bool {
        storage[head...].contains { predicate($0!) }
    }

    /// Frees the consumed prefix: at once when the queue is empty, else once it
    /// is most of the storage, so a queue that never drains does not grow forever.
    private mutating func compact() {
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 && head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
    }
}

extension EpollFifo: Sendable where Element: Sendable {}
