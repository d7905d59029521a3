/// The simulated process's descriptor table, with Linux's rule: a new
/// descriptor gets the lowest free number, so a closed number is reused at once.
struct SimDescriptorTable {
    private var slots: [SimOpenFile?] = []

    /// Installs `file` at the lowest free number and takes a reference for the table.
    mutating func install(_ file: SimOpenFile) -> Int32 {
        file.references += 1
        if let free = slots.firstIndex(where: { $0 == nil }) {
            slots[free] = file
            return Int32(free)
        }
        slots.append(file)
        return Int32(slots.count - 1)
    }

    /// The open file behind `fd`, if `fd` is open.
    subscript(fd: Int32) -> SimOpenFile? {
        fd >= 0 && Int(fd) < slots.count ? slots[Int(fd)] : nil
    }

    /// Frees the number and returns the file, whose table reference the caller must drop.
    mutating func remove(_ fd: Int32) -> SimOpenFile? {
        guard let file = self[fd] else { return nil }
        slots[Int(fd)] = nil
        return file
    }

    /// Open numbers, ascending.
    var openDescriptors: [Int32] {
        slots.indices.compactMap { slots[$0] == nil ? nil : Int32($0) }
    }
}
