extension Result {
    /// The failure, if this is one.
    var error: Failure? {
        if case .failure(let e) = self { e } else { nil }
    }
}
