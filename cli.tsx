console.log("berth")
